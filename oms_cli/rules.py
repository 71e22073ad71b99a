"""`oms rules`: review rules changed at run time (validate, push, what-if, rollback, list)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from oms_cli.client import ApiError
from oms_cli.main import Settings, api_command, cli, pass_settings, read_utf8
from oms_cli.output import as_json, console, fields, table

RULE_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@cli.group()
def rules() -> None:
    """Review rules: check a rule set, store and activate it, replay it on recent orders, roll back."""


def _document(path: Path) -> dict[str, Any]:
    try:
        return json.loads(read_utf8(path))
    except json.JSONDecodeError as error:
        raise ApiError(400, {"message": f"{path} is not JSON", "errors": [{"field": f"line {error.lineno}, column {error.colno}", "rule": "json_invalid", "message": error.msg}]}) from None


@rules.command("list")
@pass_settings
@api_command
def list_versions(settings: Settings) -> None:
    """Stored versions and the one in force."""
    answer = settings.client.get("/rulesets")
    if settings.json:
        return as_json(answer)
    active = answer["active"]
    console.print(f"in force: version {active['version']} (revision {active['revision']}, by {active.get('activated_by') or '-'} at {active.get('activated_at') or '-'})", highlight=False)
    table("stored versions", ("version", "by", "at", "comment"), ((v["version"], v.get("created_by"), v.get("created_at"), v.get("comment")) for v in answer["versions"]))


@rules.command("validate")
@click.argument("file", type=RULE_FILE)
@pass_settings
@api_command
def validate(settings: Settings, file: Path) -> None:
    """Check a rule set file without storing it; every mistake with its location."""
    answer = settings.client.request("POST", "/rulesets/validate", raw=read_utf8(file).encode("utf-8"))
    if settings.json:
        return as_json(answer)
    console.print(f"valid: {answer['rules']} rules ({answer['enabled_rules']} enabled), looks back {answer['lookback_minutes']} minutes", highlight=False)


@rules.command("push")
@click.argument("file", type=RULE_FILE)
@click.option("--comment", required=True, help="Why: it goes into the audit trail")
@click.option("--activate", is_flag=True, help="Put it in force right away")
@pass_settings
@api_command
def push(settings: Settings, file: Path, comment: str, activate: bool) -> None:
    """Store a rule set file as a new version (and activate it with --activate)."""
    answer = settings.client.post("/rulesets", {"document": _document(file), "comment": comment, "activate": activate})
    if settings.json:
        return as_json(answer)
    version = answer["version"]
    state = f"in force (revision {answer['active']['revision']})" if answer.get("active") else "stored, not in force"
    console.print(f"version {version['version']} {state}", highlight=False)


@rules.command("what-if")
@click.argument("file", type=RULE_FILE, required=False)
@click.option("--version", "candidate_version", type=int, help="A stored version instead of a file")
@click.option("--last", default=500, show_default=True, type=int, help="How many of the most recent orders to replay")
@pass_settings
@api_command
def what_if(settings: Settings, file: Path | None, candidate_version: int | None, last: int) -> None:
    """Replay a candidate rule set on the last N orders against the set in force."""
    if (file is None) == (candidate_version is None):
        raise click.UsageError("give a rule set FILE or --version")
    body = {"candidate": _document(file), "last": last} if file else {"candidate_version": candidate_version, "last": last}
    report = settings.client.post("/rulesets/whatif", body)
    if settings.json:
        return as_json(report)
    decisions = ("APPROVED", "ON_HOLD", "REJECTED")
    table(f"{report['orders']} order(s) replayed", ("rule set", *decisions), [("in force", *(report["in_force"][d] for d in decisions)), ("candidate", *(report["candidate"][d] for d in decisions))])
    if report["changed"]:
        table(f"{report['changed_count']} decision(s) change", ("order", "channel", "external id", "in force", "candidate", "candidate findings"), ((c["order_id"], c["channel"], c["external_id"], c["in_force"], c["candidate"], ", ".join(c["candidate_findings"])) for c in report["changed"]))


@rules.command("rollback")
@click.option("--comment", required=True)
@click.option("--to", "to_version", type=int, help="Default: the version in force before the current one")
@click.option("--expected-revision", type=int, help="The active revision you looked at (409 if it moved on)")
@pass_settings
@api_command
def rollback(settings: Settings, comment: str, to_version: int | None, expected_revision: int | None) -> None:
    """Put the previous rule set (or --to VERSION) back in force."""
    answer = settings.client.post("/rulesets/rollback", {"comment": comment, "to_version": to_version, "expected_revision": expected_revision})
    if settings.json:
        return as_json(answer)
    fields("in force now", list(answer.items()))
