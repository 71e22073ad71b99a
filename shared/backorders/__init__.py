"""Backorders released on restock (docs/decisions.md 84).

  signals   the value a restock sends (a SKU whose stock rose), and which stock changes send one
  release   the use case: waiting BACKORDERED orders that need the SKU, oldest first, one at a
            time: each is routed and reserved before the next is looked at
  queue     the AWS adapter: the per-SKU FIFO queue (MessageGroupId = SKU) that serialises releases
  wake      an order backordered just after a restock was handled signals its own release
"""
