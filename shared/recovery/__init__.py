"""Recovery: orders that stopped moving are found and moved on, by the system (stuck-order
detection and re-drive, policy.py and detect_stuck.py) or by an operator (retry out of EXCEPTION,
bulk retry and bulk approval: operator.py). Where an order resumes is one table (resume.py)."""
