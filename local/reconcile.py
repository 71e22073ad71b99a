"""Run one reconciliation now, for a shop and a window, and print its report:

    python -m local.reconcile --channel shopify --shop x.myshopify.com --since 2026-12-01T00:00:00Z --until 2026-12-01T06:00:00Z
        [--api http://127.0.0.1:8080 | --api https://<id>.execute-api.<region>.amazonaws.com/prod] [--csv report.csv]

With --api it asks oms's API (POST /reconciliation/runs, then follows GET /reconciliation/runs/{id};
requests to AWS are SigV4-signed with your AWS credentials, as the IAM-authorised routes want).
Without it, it runs the reconciliation in this process against the resources named in the
environment (ORDERS_TABLE, RECONCILIATION_TABLE, … as a function sees them).

`reconcile()` is the plain function behind it (the `oms reconcile` command calls it)."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError

from shared.reconciliation.domain import RunKind, RunRequest, Window
from shared.reconciliation.pull import CHANNELS


def reconcile(channel: str, shop: str, since: datetime, until: datetime, *, api_url: str | None = None, requested_by: str = "cli", timeout: float = 1800.0) -> dict[str, Any]:
    """The finished run's report: {"run": {...}, "differences": [...]}."""
    request = RunRequest(channel=channel, shop=shop, window=Window(since=since, until=until), kind=RunKind.ON_DEMAND, requested_by=requested_by)
    if api_url:
        return _over_api(api_url.rstrip("/"), request, timeout)
    return _in_process(request, timeout)


def _over_api(api: str, request: RunRequest, timeout: float) -> dict[str, Any]:
    since, until = request.window.iso()
    body = {"channel": request.channel, "shop": request.shop, "since": since, "until": until, "requested_by": request.requested_by}
    status, answer = _call("POST", f"{api}/reconciliation/runs", body)
    if status not in (200, 202):
        raise SystemExit(f"oms refused the run ({status}): {json.dumps(answer, ensure_ascii=False)}")
    deadline = time.monotonic() + timeout
    while True:
        status, report = _call("GET", f"{api}/reconciliation/runs/{answer['run_id']}")
        if status == 200 and report["run"]["state"] != "RUNNING":
            return report
        if time.monotonic() > deadline:
            raise SystemExit(f"run {answer['run_id']} is still running after {timeout:.0f} s: GET /reconciliation/runs/{answer['run_id']} later")
        time.sleep(1.0)


def _call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if urlparse(url).hostname not in ("127.0.0.1", "localhost"):
        headers = _signed(method, url, data, headers)
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _signed(method: str, url: str, data: bytes | None, headers: dict[str, str]) -> dict[str, str]:
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    session = boto3.session.Session()
    region = urlparse(url).hostname.split(".")[2] if ".execute-api." in (urlparse(url).hostname or "") else session.region_name
    aws_request = AWSRequest(method=method, url=url, data=data, headers=headers)
    SigV4Auth(session.get_credentials(), "execute-api", region).add_auth(aws_request)
    return dict(aws_request.headers.items())


def _in_process(request: RunRequest, timeout: float) -> dict[str, Any]:
    from shared.aftersales.waiting import send_again
    from shared.aws.messaging import enqueue_for_fulfilment
    from shared.aws.stores import catalog_store, order_store
    from shared.reconciliation.pull import lister_for
    from shared.reconciliation.stores import platform_credentials, reconciliation_store
    from shared.reconciliation.usecases.run_channel import RunPorts, run_channel_reconciliation

    ports = RunPorts(
        reconciliation_store(), order_store(), catalog_store(), enqueue_for_fulfilment, lister_for(request.channel), platform_credentials().for_shop(request.channel, request.shop), send_waiting=send_again
    )
    deadline = time.monotonic() + timeout
    while True:
        result = run_channel_reconciliation(request, ports)
        if result.outcome in ("completed", "failed") or time.monotonic() > deadline:
            break
        time.sleep(5.0)  # the shop is busy with another run: wait for its lease
    return {"run": result.run.model_dump(mode="json"), "differences": [d.model_dump(mode="json") for d in reconciliation_store().differences(result.run.run_id)]}


def describe(report: dict[str, Any]) -> str:
    run = report["run"]
    lines = [
        f"run {run['run_id']} ({run['kind']}) {run.get('channel')} {run.get('shop')} {run.get('since')} → {run.get('until')}: {run['state']}",
        f"  pages {run['pages']}, orders seen {run['orders_seen']}, auto-fixed {run['auto_fixed']}, needing a person {run['needs_person']}",
    ]
    if run.get("error"):
        lines.append(f"  error: {run['error']} (ask again for the same window: it resumes at the failed page)")
    for kind, count in sorted(run.get("differences", {}).items()):
        lines.append(f"  {kind}: {count}")
    for d in report["differences"]:
        if d["resolution"] == "needs_person":
            lines.append(f"    needs a person: {d['subject']} {d['kind']}: {d['detail']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.reconcile", description="Run one reconciliation now and print its report.")
    parser.add_argument("--channel", required=True, choices=CHANNELS)
    parser.add_argument("--shop", required=True)
    parser.add_argument("--since", required=True, type=datetime.fromisoformat, help="ISO-8601 with a zone, e.g. 2026-12-01T00:00:00Z")
    parser.add_argument("--until", required=True, type=datetime.fromisoformat, help="ISO-8601 with a zone, at most a day after --since")
    parser.add_argument("--api", help="oms's API base URL; without it the run happens in this process")
    parser.add_argument("--csv", help="also write the report as CSV to this file")
    args = parser.parse_args(argv)
    try:
        report = reconcile(args.channel, args.shop, args.since, args.until, api_url=args.api)
    except ValidationError as error:
        parser.error(error.errors()[0]["msg"].removeprefix("Value error, "))
    print(describe(report))
    if args.csv:
        from shared.reconciliation.domain import Difference, RunSummary
        from shared.reconciliation.report import report_csv

        with open(args.csv, "w", encoding="utf-8", newline="") as out:
            out.write(report_csv(RunSummary.model_validate(report["run"]), [Difference.model_validate(d) for d in report["differences"]]))
    return 0 if report["run"]["state"] == "COMPLETED" else 1


if __name__ == "__main__":
    sys.exit(main())
