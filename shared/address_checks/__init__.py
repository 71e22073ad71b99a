"""Checks of a receiver's address as written: normalisation of what channels send (full-width
forms, province variants, phone formats of the mainland, Hong Kong, Macau, Taiwan and abroad),
whether the detail line and the name can be delivered to, and overseas regions and postal codes.
Pure functions; the review rules reach them through facts (shared/review_rules/address_facts.py).
"""
