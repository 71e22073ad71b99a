"""After-sales (售后): refunds and cancellations from every channel, interception (拦截) of a
released note, returns (RMA) and the warehouse's return receipt that restocks them.

  domain.py      the canonical after-sales request, and how it meets an order (pure)
  decide.py      what a request does at the order's stage (pure)
  lines.py       the refunded line, in the after-sales events and the refund records
  records.py     refund records and RMAs (pure models)
  store.py       their items in the orders table (AWS adapter)
  messages.py    the after-sales queue's message kinds
  usecases/      apply a refund, answer an intercept, receive a return, an exchange (换货)
  backfill.py    the one-off return_key backfill (decision 139)
docs/architecture.md#after-sales and docs/decisions.md 72-77 and 136-139 explain the choices."""
