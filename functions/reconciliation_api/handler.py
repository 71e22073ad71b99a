"""Reconciliation API (IAM-authorised): run one now for a shop and a window, list the runs, read
one run's report (JSON, or CSV with ?format=csv), and record a person's resolution of a difference."""

from __future__ import annotations

import shared.coldstart  # noqa: F401  (first: the collector's threshold for the container's init, decision 261)

from datetime import UTC, datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, Field, ValidationError

from shared.http_api import build_resolver, error_response, json_response
from shared.observability import logger
from shared.openapi_contract import iam_http_function
from shared.problems import InputRejected
from shared.reconciliation.credentials import UnknownShop
from shared.reconciliation.domain import Difference, as_utc, RunKind, RunRequest, RunState, RunSummary, Window
from shared.reconciliation.queue import request_run
from shared.reconciliation.report import report_csv
from shared.reconciliation.store import DifferenceNotFound, RunNotFound
from shared.reconciliation.stores import platform_credentials, reconciliation_store
from shared.clock import now_iso

app = build_resolver()
SHOP_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


class RunAsk(BaseModel):
    channel: Literal["shopify", "tmall", "jd", "douyin"]
    shop: str = Field(pattern=SHOP_PATTERN)
    since: datetime = Field(description="ISO-8601 with a zone: orders modified from this time")
    until: datetime = Field(description="ISO-8601 with a zone, after since, at most a day later")
    requested_by: str = Field(default="api", min_length=1, max_length=100)


class RunPage(BaseModel):
    runs: list[RunSummary]
    next_token: str | None


class RunReport(BaseModel):
    run: RunSummary
    differences: list[Difference]


class Resolve(BaseModel):
    by: str = Field(min_length=1, max_length=100)
    note: str = Field(min_length=1, max_length=1000)


@app.exception_handler([RunNotFound, DifferenceNotFound])
def _not_found(error: Exception):
    return error_response(404, str(error), "run_id", "not_found")


def _faulty_end(since: datetime, until: datetime) -> str:
    """The end a refused window names: the first that is no instant (no zone, or outside the
    years UTC can hold), else until (the window's order or length)."""
    for name, moment in (("since", since), ("until", until)):
        try:
            as_utc(moment)
        except ValueError:
            return name
    return "until"


@app.post("/reconciliation/runs", summary="Run a reconciliation now for a shop and a window (202; the same window is the same run)")
def post_run(ask: Annotated[RunAsk, Body()]):
    try:
        window = Window(since=ask.since, until=ask.until)
    except ValidationError as error:
        message = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise InputRejected.one(422, _faulty_end(ask.since, ask.until), "window", message) from None
    if window.until > datetime.now(UTC):
        # Not over yet: the run would complete now and, the same window being the same run, be
        # answered as finished whenever asked again, never reading what changes later in it.
        raise InputRejected.one(422, "until", "window", f"until ({window.iso()[1]}) is in the future: ask for a window that has ended (at most now)")
    try:
        platform_credentials().for_shop(ask.channel, ask.shop)
    except UnknownShop as unknown:
        raise InputRejected.one(422, "shop", "unknown_shop", str(unknown)) from None
    request = RunRequest(channel=ask.channel, shop=ask.shop, window=window, kind=RunKind.ON_DEMAND, requested_by=ask.requested_by)
    since, until = window.iso()
    run, created = reconciliation_store().start_run(
        RunSummary(run_id=request.run_id, kind=request.kind, channel=ask.channel, shop=ask.shop, since=since, until=until, state=RunState.RUNNING, requested_by=ask.requested_by, started_at=now_iso())
    )
    if run.state != RunState.COMPLETED:
        request_run(request)  # also for a FAILED run: asking again resumes it from its checkpoint
    logger.info("reconciliation requested", extra={"run_id": run.run_id, "created": created})
    return json_response(200 if run.state == RunState.COMPLETED else 202, {"run_id": run.run_id, "state": run.state.value, "created": created})


@app.get("/reconciliation/runs", summary="Reconciliation runs, newest first, paginated")
def list_runs(limit: Annotated[int, Query(ge=1, le=200)] = 50, next_token: Annotated[str | None, Query()] = None) -> RunPage:
    try:
        runs, token = reconciliation_store().list_runs(limit, next_token)
    except ValueError as error:  # a token this API did not give out
        raise InputRejected.one(400, "next_token", "invalid_token", str(error)) from None
    return RunPage(runs=runs, next_token=token)


@app.get("/reconciliation/runs/<run_id>", summary="A run's report: its counts and every difference with its resolution (?format=csv for a spreadsheet)")
def get_run(run_id: str, format: Annotated[Literal["json", "csv"], Query()] = "json"):  # noqa: A002 - the query parameter's name
    store = reconciliation_store()
    run = store.run(run_id)
    differences = store.differences(run_id)
    if format == "csv":
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=report_csv(run, differences),
            headers={"Content-Disposition": f'attachment; filename="reconciliation-{run_id}.csv"'},
        )
    return json_response(200, RunReport(run=run, differences=differences).model_dump(mode="json"))


@app.post("/reconciliation/runs/<run_id>/differences/<difference_id>/resolve", summary="Record that a person resolved a difference (it leaves the unresolved alarm's count)")
def resolve(run_id: str, difference_id: str, decision: Annotated[Resolve, Body()]):
    resolved = reconciliation_store().resolve(run_id, difference_id, decision.by, decision.note)
    return json_response(200, resolved.model_dump(mode="json"))


NO_RUN = "no reconciliation run has this id"
ANSWERS = {
    "GET /reconciliation/runs": {400: "next_token is not a token this API gave out"},
    "POST /reconciliation/runs": {422: "the window is not a window (until before since, over a day, until in the future) or the shop has no credentials"},
    "GET /reconciliation/runs/{run_id}": {404: NO_RUN},
    "POST /reconciliation/runs/{run_id}/differences/{difference_id}/resolve": {404: "no such run, or no such difference in it"},
}


# The OpenAPI document (make openapi, GET .../openapi) and the Lambda handler, as every IAM route's.
openapi_document, handler = iam_http_function(app, ANSWERS)
