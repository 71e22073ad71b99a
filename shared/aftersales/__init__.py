"""After-sales (售后): refunds and cancellations from every channel, interception (拦截) of a
released note, returns (RMA) and the warehouse's return receipt that restocks them.

  domain.py      the canonical after-sales request, and how it meets an order (pure)
  decide.py      what a request does at the order's stage (pure)
  records.py     refund records and RMAs (pure models)
  store.py       their items in the orders table (AWS adapter)
  messages.py    the after-sales queue's message kinds
  usecases/      apply a refund, answer an intercept, receive a return
docs/architecture.md#after-sales and docs/decisions.md 72-77 explain the choices."""
