"""Reference data API: operations maintain what the review rules consult, without a deploy.

GET    /reference                    the kinds of reference data and what each holds
GET    /reference/audit              who changed what, when, why: newest first, field by field
GET    /reference/{kind}             a kind's entries (paged: limit, after)
PUT    /reference/{kind}             create or replace one entry (validated; audited)
GET    /reference/{kind}/{key}       one entry
DELETE /reference/{kind}/{key}       remove one entry (audited; ?comment= says why)
GET    /reference/openapi            this API's OpenAPI document

Kinds: prices, credit, profiles, blacklist, remote_areas, fx_rates, companies. A blacklist key is
KIND:value (PHONE:17000000000); an address is blacklisted by giving the address, its key is the
fingerprint the answer returns.
"""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, Field

from shared.aws.stores import reference_store
from shared.http_api import build_resolver, error_response, json_response, operator_of
from shared.observability import logger
from shared.openapi_contract import iam_http_function
from shared.reference_admin import usecases
from shared.reference_admin.kinds import KINDS
from shared.reference_admin.usecases import EntryConflict, EntryNotFound, ReferenceChange, UnknownKind

app = build_resolver()


class EntryChange(BaseModel):
    entry: dict[str, Any] = Field(description="The entry, as the kind's model reads it (see GET /reference)")
    comment: str = Field(min_length=1, max_length=500, description="Why: it goes into the audit trail")


class Kind(BaseModel):
    kind: str
    description: str
    schema_: dict[str, Any] = Field(alias="schema")


class Entries(BaseModel):
    kind: str
    entries: list[dict[str, Any]]
    next: str | None = Field(default=None, description="Give as `after` for the next page")


@app.exception_handler(UnknownKind)
def _unknown_kind(error: UnknownKind) -> Response:
    return error_response(404, str(error), "kind", "known_kind")


@app.exception_handler(EntryNotFound)
def _no_entry(error: EntryNotFound) -> Response:
    return error_response(404, str(error), "key", "not_found")


@app.exception_handler(EntryConflict)
def _conflict(error: EntryConflict) -> Response:
    return error_response(409, str(error), "entry", "changed_meanwhile")


@app.get("/reference", summary="The kinds of reference data, with each entry's JSON Schema")
def list_kinds() -> list[Kind]:
    return [Kind(kind=k.name, description=k.description, schema=k.model.model_json_schema()) for k in KINDS.values()]


@app.get("/reference/audit", summary="Every change, newest first: who, when, why, field by field")
def get_audit(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[ReferenceChange]:
    return usecases.audit(reference_store(), limit)


@app.get("/reference/openapi", summary="OpenAPI document of this API")
def get_openapi() -> dict[str, Any]:
    return openapi_document("oms reference_api", "Reference data the review consults, maintained and audited")


@app.get("/reference/<kind>", summary="A kind's entries, a page at a time")
def list_entries(kind: Annotated[str, Path()], limit: Annotated[int, Query(ge=1, le=500)] = 100, after: Annotated[str | None, Query()] = None) -> Entries:
    entries, following = usecases.listing(reference_store(), kind, limit, after)
    return Entries(kind=kind, entries=entries, next=following)


@app.put("/reference/<kind>", summary="Create or replace one entry")
def put_entry(kind: Annotated[str, Path()], request: Annotated[EntryChange, Body()]) -> ReferenceChange:
    change = usecases.put(reference_store(), kind, request.entry, operator_of(app), request.comment)
    logger.info("reference entry stored", extra={"kind": kind, "key": change.key, "fields": [c.field for c in change.changes]})
    return change


@app.get("/reference/<kind>/<key>", summary="One entry")
def get_entry(kind: Annotated[str, Path()], key: Annotated[str, Path()]) -> dict[str, Any]:
    return usecases.get(reference_store(), kind, key)


@app.delete("/reference/<kind>/<key>", summary="Remove one entry")
def delete_entry(kind: Annotated[str, Path()], key: Annotated[str, Path()], comment: Annotated[str, Query(min_length=1, max_length=500)]) -> ReferenceChange:
    change = usecases.delete(reference_store(), kind, key, operator_of(app), comment)
    logger.info("reference entry deleted", extra={"kind": kind, "key": key})
    return change


UNKNOWN_KIND = "no such kind of reference data (GET /reference lists them)"
ANSWERS = {
    "GET /reference/{kind}": {404: UNKNOWN_KIND},
    "PUT /reference/{kind}": {400: "the entry is refused, naming each wrong field", 404: UNKNOWN_KIND, 409: "the entry changed since it was read"},
    "GET /reference/{kind}/{key}": {404: "no such kind, or no entry with this key"},
    "DELETE /reference/{kind}/{key}": {404: "no such kind, or no entry with this key", 409: "the entry changed since it was read"},
}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
