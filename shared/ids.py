"""Deterministic ids: a retried step must produce the same id, so duplicates collapse."""

from __future__ import annotations

import hashlib


def order_id_for(channel: str, external_id: str) -> str:
    """One channel order is one oms order, however often the channel delivers it."""
    digest = hashlib.sha256(f"{channel}\x1f{external_id}".encode()).hexdigest()
    return f"OMS-{digest[:20].upper()}"


def outbound_note_id(order_id: str, warehouse_id: str) -> str:
    return f"ON-{order_id.removeprefix('OMS-')}-{warehouse_id}"
