"""Operations aggregates: the order health index (订单健康度), the seed's KPIs and the console's
figures, maintained as lifecycle events happen (the order store's change stream), never by scanning
the order table.

  domain.py   pure: an order change -> counter deltas (per dimension and period), stage limits
  health.py   pure: the health index, stuck orders by status, holds by age, from the gauges
  kpis.py     pure: the KPIs, their targets and trends, from the counters
  access.py   pure: who calls (IAM or a console user's Cognito groups) and what they may do
  store.py    the DynamoDB adapter: idempotent chunked transactions, the reads of the overview
  usecases.py aggregate a batch of changes, the overview, the KPIs, the minute snapshot
docs/console.md defines each figure.
"""
