"""Reference data maintained through an API (credit accounts, blacklists, buyer profiles, FX rates,
registered companies, price list, remote areas): each change validated, stored and audited with
who, when, why and what changed, as rule sets are. The review reads the same entries
(shared/aws/reference_store.py).

kinds.py     the kinds of entries, their models and keys, and the field-by-field difference
usecases.py  get, list, put, delete and the audit trail, over the store
"""
