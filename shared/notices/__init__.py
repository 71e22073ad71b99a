"""Customer notices (docs/decisions.md 85): accepted, shipped (with tracking), delayed
(backordered, stuck), cancelled and refunded, in zh or en, by SMS.

  templates.json  the texts, as data: per kind and language, with the order's facts as {fields}
  compose         pure: which notice an event asks for, in which language, rendered
  records         AWS adapter: the sent-notices record per (order, kind, reference) in the
                  orders table, the idempotency claim a repeated event finds
  sms             AWS adapter: the text through SNS to the receiver's phone (E.164)
  send            the use case: claim, send once, record, note on the order's timeline
"""
