"""Reference data through the API: read an entry or a kind's entries, put (create or replace) or
delete one, each validated first and audited with who, when, why and what changed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from shared.aws.reference_store import ReferenceStore, StaleRevision
from shared.clock import now_iso
from shared.errors import OmsError
from shared.problems import InputRejected, problems_from_validation
from shared.reference_admin.kinds import KINDS, FieldChange, ReferenceKind, changes


class UnknownKind(OmsError):
    def __init__(self, kind: str):
        super().__init__(f"no reference data kind '{kind}'; one of {', '.join(KINDS)}")


class EntryNotFound(OmsError):
    pass


class EntryConflict(OmsError):
    """The entry changed since it was read (another operator, a feed): read it again."""


class ReferenceChange(BaseModel):
    at: str
    actor: str
    action: str  # put | deleted
    kind: str
    key: str
    comment: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    changes: list[FieldChange]


def kind_of(name: str) -> ReferenceKind:
    kind = KINDS.get(name)
    if kind is None:
        raise UnknownKind(name)
    return kind


def validated(kind: ReferenceKind, entry: Any) -> tuple[str, dict[str, Any]]:
    """(key, the entry as stored), or 400 naming each field of the entry that is wrong."""
    try:
        model = kind.model.model_validate(entry)
    except ValidationError as error:
        raise InputRejected(400, problems_from_validation(error.errors(), prefix="entry")) from None
    return kind.key_of(model), model.model_dump(mode="json")


def get(store: ReferenceStore, kind_name: str, key: str) -> dict[str, Any]:
    kind_of(kind_name)
    data, _ = store.entry(kind_name, key)
    if data is None:
        raise EntryNotFound(f"no {kind_name} entry '{key}'")
    return data


def listing(store: ReferenceStore, kind_name: str, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
    kind_of(kind_name)
    return store.entries(kind_name, limit, after)


def put(store: ReferenceStore, kind_name: str, entry: Any, actor: str, comment: str) -> ReferenceChange:
    key, data = validated(kind_of(kind_name), entry)
    before, revision = store.entry(kind_name, key)
    return _change(store, kind_name, key, before, revision, data, actor, comment)


def delete(store: ReferenceStore, kind_name: str, key: str, actor: str, comment: str) -> ReferenceChange:
    kind_of(kind_name)
    before, revision = store.entry(kind_name, key)
    if before is None:
        raise EntryNotFound(f"no {kind_name} entry '{key}'")
    return _change(store, kind_name, key, before, revision, None, actor, comment)


def audit(store: ReferenceStore, limit: int) -> list[ReferenceChange]:
    return [ReferenceChange.model_validate(entry) for entry in store.audit(limit)]


def _change(store: ReferenceStore, kind: str, key: str, before: dict[str, Any] | None, revision: int, after: dict[str, Any] | None, actor: str, comment: str) -> ReferenceChange:
    change = ReferenceChange(
        at=now_iso(), actor=actor, action="put" if after is not None else "deleted", kind=kind, key=key, comment=comment,
        before=before, after=after, changes=changes(before, after),
    )  # fmt: skip
    try:
        store.change(kind, key, after, before is not None, revision, change.model_dump(mode="json"))
    except StaleRevision as error:
        raise EntryConflict(str(error)) from None
    return change
