"""Review rule sets on DynamoDB, in the review table (docs/data-model.md):

  pk = RULESET  sk = ACTIVE                        which version is in force; revision counter
  pk = RULESET  sk = V#<version:06d>               one stored version: its document, who, when, why
  pk = RULESET  sk = AUDIT#<at>#<version>#<action> one change: who, when, what, the diff

Versions are never changed or deleted. Activating (or rolling back) is one transaction: the
ACTIVE update conditioned on the revision the caller saw, a check that the version exists, and
the audit entry, so the trail can never miss a change and two operators cannot both win.
Version 0 is the shipped default (shared/data/review_rules_default.json), in force until the
first activation.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from shared.aws.dynamo import TableAdapter, TransactionCancelled, from_item, query_prefix, raise_if_transient, to_item, to_value, transact_write
from shared.clock import now_iso
from shared.errors import RuleSetConflict, RuleSetNotFound
from shared.review import SHIPPED_VERSION, default_document
from shared.review_rules.diff import Change

TABLE_ENV = "REVIEW_TABLE"
_PK = "RULESET"
_ACTIVE = "ACTIVE"
SHIPPED_AUTHOR = "oms (shipped default)"


def _version_sk(version: int) -> str:
    return f"V#{version:06d}"


class RuleSetVersion(BaseModel, defer_build=True):
    version: int
    description: str
    rule_count: int
    created_at: str
    created_by: str
    comment: str = ""
    based_on: int | None = Field(default=None, description="The version in force when this one was written")


class StoredRuleSet(RuleSetVersion):
    document: dict[str, Any]


class ActiveRuleSet(BaseModel, defer_build=True):
    version: int = SHIPPED_VERSION
    revision: int = 0  # increases with every activation; guards against two operators at once
    previous_version: int | None = None
    activated_at: str | None = None
    activated_by: str | None = None


class AuditEntry(BaseModel, defer_build=True):
    at: str
    actor: str
    action: Literal["created", "activated", "rolled_back"]
    version: int
    from_version: int | None = None
    comment: str = ""
    diff: list[Change] = Field(default_factory=list)


class RuleSetStore(TableAdapter):
    TABLE_ENV = TABLE_ENV

    def __init__(self, table_name: str | None = None, dynamodb: Any = None):
        super().__init__(table_name, dynamodb)
        self.compiled: dict[int, Any] = {}  # version -> its compiled form (shared/usecases/rule_sets.py)

    # -- reads ---------------------------------------------------------------------------------

    def active(self) -> ActiveRuleSet:
        item = self._get(_ACTIVE)
        return ActiveRuleSet() if item is None else ActiveRuleSet.model_validate(item)

    def get(self, version: int) -> StoredRuleSet:
        if version == SHIPPED_VERSION:
            document = default_document()
            return StoredRuleSet(
                version=SHIPPED_VERSION,
                description=document.get("description", ""),
                rule_count=len(document["rules"]),
                created_at="",
                created_by=SHIPPED_AUTHOR,
                document=document,
            )
        item = self._get(_version_sk(version))
        if item is None:
            raise RuleSetNotFound(version)
        return StoredRuleSet.model_validate({**item, "document": json.loads(item["document"])})

    def versions(self) -> list[RuleSetVersion]:
        return [RuleSetVersion.model_validate(i) for i in query_prefix(self.db, self.table, _PK, "V#")]

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        items = query_prefix(self.db, self.table, _PK, "AUDIT#", newest_first=True, limit=limit)
        return [AuditEntry.model_validate({**i, "diff": json.loads(i["diff"])}) for i in items]

    # -- writes --------------------------------------------------------------------------------

    def add(self, document: dict[str, Any], actor: str, comment: str, based_on: int, diff: list[Change]) -> RuleSetVersion:
        """Stores a new version (numbered after the newest) with its audit entry."""
        newest = query_prefix(self.db, self.table, _PK, "V#", newest_first=True, limit=1)
        latest = newest[0]["version"] if newest else SHIPPED_VERSION
        stored = RuleSetVersion(
            version=latest + 1,
            description=document.get("description", ""),
            rule_count=len(document.get("rules", [])),
            created_at=now_iso(),
            created_by=actor,
            comment=comment,
            based_on=based_on,
        )
        item = {"pk": _PK, "sk": _version_sk(stored.version), **stored.model_dump(exclude_none=True), "document": json.dumps(document, ensure_ascii=False)}
        entry = AuditEntry(at=stored.created_at, actor=actor, action="created", version=stored.version, from_version=based_on, comment=comment, diff=diff)
        try:
            transact_write(self.db, [{"Put": {"TableName": self.table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}, self._audit_put(entry)])
        except TransactionCancelled:
            raise RuleSetConflict(f"version {stored.version} was just written by someone else; submit again") from None
        return stored

    def activate(
        self,
        seen: ActiveRuleSet,
        version: int,
        actor: str,
        comment: str,
        diff: list[Change],
        action: Literal["activated", "rolled_back"] = "activated",
    ) -> ActiveRuleSet:
        """Puts `version` in force if the active set is still the one the caller saw (`seen`)."""
        now = now_iso()
        active = ActiveRuleSet(version=version, revision=seen.revision + 1, previous_version=seen.version, activated_at=now, activated_by=actor)
        fields = active.model_dump(exclude_none=True)
        update = {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"pk": _PK, "sk": _ACTIVE}),
                "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in fields),
                "ConditionExpression": "attribute_not_exists(pk) OR #revision = :seen",
                "ExpressionAttributeNames": {f"#{k}": k for k in fields},
                "ExpressionAttributeValues": {**{f":{k}": to_value(v) for k, v in fields.items()}, ":seen": to_value(seen.revision)},
            }
        }
        items = [update, self._audit_put(AuditEntry(at=now, actor=actor, action=action, version=version, from_version=seen.version, comment=comment, diff=diff))]
        if version != SHIPPED_VERSION:
            items.append({"ConditionCheck": {"TableName": self.table, "Key": to_item({"pk": _PK, "sk": _version_sk(version)}), "ConditionExpression": "attribute_exists(pk)"}})
        try:
            transact_write(self.db, items)
        except TransactionCancelled as cancelled:
            if len(items) > 2 and cancelled.failed(2):
                raise RuleSetNotFound(version) from None
            raise RuleSetConflict(f"the active rule set changed meanwhile (revision {seen.revision} is no longer current); re-read it and decide again") from None
        return active

    # -- helpers -------------------------------------------------------------------------------

    def _get(self, sk: str) -> dict[str, Any] | None:
        try:
            answer = self.db.get_item(TableName=self.table, Key=to_item({"pk": _PK, "sk": sk}), ConsistentRead=True)
        except ClientError as error:
            raise_if_transient(error)
            raise
        return from_item(answer["Item"]) if "Item" in answer else None

    def _audit_put(self, entry: AuditEntry) -> dict[str, Any]:
        item = {
            "pk": _PK,
            "sk": f"AUDIT#{entry.at}#{entry.version:06d}#{entry.action}",
            **entry.model_dump(mode="json", exclude={"diff"}, exclude_none=True),
            "diff": json.dumps([c.model_dump(mode="json") for c in entry.diff], ensure_ascii=False),
        }
        return {"Put": {"TableName": self.table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}
