"""The review rule language: rule sets are data (JSON), compiled once into fast pure checks.

document.py  what a rule set looks like (pydantic; its JSON Schema is docs/review-rules.schema.json)
facts.py     what a condition may ask about an order (the catalogue), computed lazily per order
compiler.py  validates a document against the catalogue and turns it into closures
problems.py  a refused rule set: each mistake with its exact location
diff.py      what changed between two rule sets (the audit trail's diff)
replay.py    what-if: two compiled rule sets over the same orders, side by side
"""
