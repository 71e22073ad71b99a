"""Order merging (合单, docs/decisions.md 86-87): orders of one buyer (or one receiver, any
channel) to one address, within a window, not yet routed, ship as one parcel plan when that costs
less than shipping them apart.

  rule.json  the automatic rule, as data: window, minimum saving, which statuses may merge
  pricing    pure: the router's cost model on the separate plans and on the merged plan, explained
  groups     pure: which waiting orders are candidates together (same address, same buyer/receiver, window)
  store      AWS adapter: the merge record (members, their own lines, the plan) in the orders table
  membership AWS adapter: who is in a merge, without the plan (after-sales reads it; decision 122)
  merge      use cases: preview, merge (operator or rule), unmerge (a member cancelled or refunded
             before release), follow the merged shipment (members ship with it)
  sweep      use case: the automatic rule over the orders waiting in APPROVED and BACKORDERED
"""
