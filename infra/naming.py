"""How a topology key names and marks what is built from it."""

from __future__ import annotations

from aws_cdk import Tags
from constructs import IConstruct

# Every resource built from a topology entry carries its key in this tag, so the synthesized
# template (tests, the local runtime, an operator in the console) can tell which entry
# a resource implements without relying on generated logical ids.
TOPOLOGY_KEY_TAG = "oms:topology-key"


def pascal(key: str) -> str:
    """`inventory_lock` -> `InventoryLock`."""
    return "".join(part[:1].upper() + part[1:] for part in key.split("_"))


def mark(construct: IConstruct, key: str) -> None:
    Tags.of(construct).add(TOPOLOGY_KEY_TAG, key)
