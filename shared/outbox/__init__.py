"""The transactional outbox: every message oms sends to a warehouse (an outbound note, its voiding)
is written as an outbox item in the same DynamoDB transaction as the order's status change that
decided it, and published from there, once, by the publisher (shared/outbox/publish.py), with its
id as the idempotency key the WMS queue (SQS FIFO, MessageDeduplicationId) and the WMS see.
Design: docs/decisions.md, decision 25."""
