"""Construct ids derived from topology keys, so a key names the same thing everywhere."""


def pascal(key: str) -> str:
    """`inventory_lock` -> `InventoryLock`."""
    return "".join(part[:1].upper() + part[1:] for part in key.split("_"))
