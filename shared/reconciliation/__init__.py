"""Reconciliation (对账): what the channels say against what oms holds, and what oms sent against
what the warehouses shipped. Orders a channel has and oms lacks are re-ingested through the same
idempotent intake; every other difference is reported with its resolution (docs/reconciliation.md).

  domain.py      windows, run ids, channel states, differences (pure)
  compare.py     one pulled order against oms's copy: the differences and the fix (pure)
  pull/          one adapter per platform's order-list call, over one retrying HTTP client
  warehouse.py   the WMS's daily shipped list against oms's outbound notes (pure)
  report.py      a run's report as CSV (pure)
  store.py       runs, differences, cursors and shop leases on DynamoDB (adapter)
  credentials.py the platforms' API credentials from Secrets Manager (adapter)
  usecases/      run a channel reconciliation, plan the scheduled runs, check a WMS list
"""
