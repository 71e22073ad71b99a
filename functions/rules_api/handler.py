"""Review rules API: business users change the rules at run time, without a deploy.

GET  /rulesets                      stored versions and the one in force
POST /rulesets                      store a new version (optionally activate it); refused with locations if invalid
GET  /rulesets/active               the version in force, with its document
GET  /rulesets/{version}            one stored version
POST /rulesets/{version}/activate   put a version in force (audited, with the diff)
POST /rulesets/rollback             put the previous version back in force
POST /rulesets/validate             check a rule set without storing it
POST /rulesets/whatif               replay a candidate on the last N orders against the set in force
GET  /rulesets/audit                who changed what, when, and the diff
GET  /rulesets/schema               the rule language's JSON Schema
GET  /rulesets/openapi              this API's OpenAPI document
"""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, Field, model_validator

from shared.aws.rule_set_store import ActiveRuleSet, AuditEntry, RuleSetVersion, StoredRuleSet
from shared.aws.stores import order_history, reference_store, rule_set_store
from shared.errors import RuleSetConflict, RuleSetNotFound
from shared.http_api import build_resolver, error_response, json_response, operator_of
from shared.observability import logger
from shared.orders import WholeNumber
from shared.openapi_contract import iam_http_function
from shared.operations.access import SUPERVISOR, caller_of
from shared.review_rules.document import json_schema
from shared.review_rules.problems import RuleSetInvalid
from shared.review_rules.replay import WhatIfReport
from shared.usecases import rule_sets
from shared.usecases.what_if import MAX_REPLAY_ORDERS, what_if

app = build_resolver()


class NewRuleSet(BaseModel):
    document: dict[str, Any] = Field(description="The rule set (see GET /rulesets/schema)")
    comment: str = Field(min_length=1, max_length=500, description="Why: it goes into the audit trail")
    activate: bool = Field(default=False, description="Put it in force right away")


class Activation(BaseModel):
    comment: str = Field(min_length=1, max_length=500)
    expected_revision: WholeNumber | None = Field(default=None, description="The active revision you looked at; refused with 409 if it moved on")


class Rollback(Activation):
    to_version: WholeNumber | None = Field(default=None, ge=0, description="Default: the version in force before the current one")


class WhatIf(BaseModel):
    candidate: dict[str, Any] | None = Field(default=None, description="A rule set document to try (not stored)")
    candidate_version: WholeNumber | None = Field(default=None, ge=0, description="Or a stored version")
    last: WholeNumber = Field(default=500, ge=1, le=MAX_REPLAY_ORDERS, description="How many of the most recently stored orders")

    @model_validator(mode="after")
    def _one_candidate(self) -> WhatIf:
        if (self.candidate is None) == (self.candidate_version is None):
            raise ValueError("give either candidate (a document) or candidate_version")
        return self


class Versions(BaseModel):
    active: ActiveRuleSet
    versions: list[RuleSetVersion]


class ActiveWithDocument(BaseModel):
    active: ActiveRuleSet
    rule_set: StoredRuleSet


class Stored(BaseModel):
    version: RuleSetVersion
    active: ActiveRuleSet | None = None


@app.exception_handler(RuleSetInvalid)
def _refused(error: RuleSetInvalid) -> Response:
    # The shared error shape; `location` and `rule_id` say where in the rule set, for the editor.
    problems = [{"field": p.location, "rule": "rule_language", **p.model_dump()} for p in error.problems]
    return json_response(400, {"message": "the rule set is refused; the rule set in force is unchanged", "errors": problems})


@app.exception_handler(RuleSetNotFound)
def _no_version(error: RuleSetNotFound) -> Response:
    return error_response(404, str(error), "version", "not_found")


@app.exception_handler(RuleSetConflict)
def _conflict(error: RuleSetConflict) -> Response:
    return error_response(409, str(error), error.field, error.rule)


def operator() -> str:
    """Who asks: the console user (Cognito); else the IAM identity that signed the request;
    locally, the X-Operator header."""
    caller = caller_of(app.current_event.raw_event)
    return caller.name if caller.console else operator_of(app)


@app.get("/rulesets", summary="Stored rule-set versions and the one in force")
def list_versions() -> Versions:
    store = rule_set_store()
    return Versions(active=store.active(), versions=store.versions())


@app.post("/rulesets", summary="Store a new rule-set version", responses={201: {"description": "stored"}, 400: {"description": "refused, with each mistake's location"}})
def create_version(request: Annotated[NewRuleSet, Body()]):
    if request.activate:
        caller_of(app.current_event.raw_event).require(SUPERVISOR, "putting a rule set in force")
    version, active = rule_sets.propose(rule_set_store(), request.document, operator(), request.comment, request.activate)
    logger.info("rule set stored", extra={"version": version.version, "activated": active is not None})
    return json_response(201, Stored(version=version, active=active).model_dump(mode="json"))


@app.get("/rulesets/active", summary="The rule set in force")
def get_active() -> ActiveWithDocument:
    store = rule_set_store()
    active = store.active()
    return ActiveWithDocument(active=active, rule_set=store.get(active.version))


@app.get("/rulesets/audit", summary="Every change, newest first: who, when, what, the diff")
def get_audit(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntry]:
    return rule_set_store().audit(limit)


@app.get("/rulesets/schema", summary="JSON Schema of the rule language")
def get_schema() -> dict[str, Any]:
    return json_schema()


@app.get("/rulesets/openapi", summary="OpenAPI document of this API")
def get_openapi() -> dict[str, Any]:
    return openapi_document("oms rules_api", "Review rules: change them at run time, without a deploy")


@app.post("/rulesets/validate", summary="Check a rule set without storing it")
def validate(document: Annotated[dict[str, Any], Body()]) -> rule_sets.Validation:
    return rule_sets.validate(document)[1]


@app.post("/rulesets/rollback", summary="Put the previous rule set back in force")
def rollback(request: Annotated[Rollback, Body()]) -> ActiveRuleSet:
    caller_of(app.current_event.raw_event).require(SUPERVISOR, "rolling back the rules in force")
    return rule_sets.rollback(rule_set_store(), operator(), request.comment, request.to_version, request.expected_revision)


@app.post("/rulesets/whatif", summary="Replay a candidate rule set on the last N stored orders")
def replay(request: Annotated[WhatIf, Body()]) -> WhatIfReport:
    return what_if(request.last, rule_set_store(), order_history(), reference_store(), request.candidate, request.candidate_version)


@app.get("/rulesets/<version>", summary="One stored rule-set version with its document")
def get_version(version: Annotated[int, Path(ge=0)]) -> StoredRuleSet:
    return rule_set_store().get(version)


@app.post("/rulesets/<version>/activate", summary="Put a stored version in force")
def activate(version: Annotated[int, Path(ge=0)], request: Annotated[Activation, Body()]) -> ActiveRuleSet:
    caller_of(app.current_event.raw_event).require(SUPERVISOR, "putting a rule set in force")
    active = rule_sets.activate(rule_set_store(), version, operator(), request.comment, request.expected_revision)
    logger.info("rule set activated", extra={"version": version, "revision": active.revision})
    return active


NO_VERSION = "no stored rule set has this version"
MOVED_ON = "the active rule set moved on (expected_revision) or there is nothing to roll back to: re-read and decide again"
ANSWERS = {
    "POST /rulesets": {201: "stored (and activated when asked)", 400: "the rule set is refused; each mistake with its location", 409: MOVED_ON},
    "POST /rulesets/validate": {200: "the rule set is valid", 400: "the rule set is refused; each mistake with its location"},
    "POST /rulesets/whatif": {400: "the candidate is refused; each mistake with its location", 404: NO_VERSION},
    "POST /rulesets/rollback": {404: NO_VERSION, 409: MOVED_ON},
    "GET /rulesets/{version}": {404: NO_VERSION},
    "POST /rulesets/{version}/activate": {404: NO_VERSION, 409: MOVED_ON},
}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
