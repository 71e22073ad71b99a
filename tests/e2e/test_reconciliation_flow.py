"""Reconciliation on the local runtime: 5% of a Shopify shop's webhooks dropped at random (seeded)
over 300 orders, then one run asked for over the API finds and re-ingests every missed order
through the real intake, doubling nothing; asking again is the same run."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from local.demo import http
from local.reconciliation_scenario import MissedWebhooks
from local.runtime import LocalRuntime
from shared.ids import order_id_for

SHOP = "oms-demo-tea.myshopify.com"  # a seeded shop: its webhooks are signed with its local secret
ORDERS = 300


def test_one_run_recovers_every_dropped_webhook_and_doubles_nothing(runtime: LocalRuntime) -> None:
    since, until = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 20, 12, tzinfo=UTC)
    with MissedWebhooks(runtime, SHOP, seed=14) as scenario:
        outcome = scenario.run(ORDERS, since, until, drop_rate=0.05)

        assert 5 <= len(outcome.dropped) <= 30  # ~5% of 300, seeded
        assert outcome.run["state"] == "COMPLETED" and outcome.run["orders_seen"] == ORDERS
        assert outcome.run["differences"] == {"missing_in_oms": len(outcome.dropped)}
        assert outcome.recovered == len(outcome.dropped) and outcome.run["needs_person"] == 0
        assert outcome.in_oms == ORDERS  # every order of the shop is in oms
        assert len(outcome.queued) == ORDERS and outcome.queued_twice == 0  # each queued for fulfilment exactly once
        status, details = http("GET", f"{runtime.api_url}/orders/{order_id_for('shopify', outcome.dropped[0])}")
        received = details["timeline"][0]
        assert status == 200 and (received["cause"], received["actor"]["name"]) == ("reconciliation", "reconciliation")
        assert received["details"]["run_id"] == outcome.run["run_id"]

        body = {"channel": "shopify", "shop": SHOP, "since": since.isoformat(), "until": until.isoformat()}
        status, again = http("POST", f"{runtime.api_url}/reconciliation/runs", json.dumps(body).encode())
        assert status == 200 and again == {"run_id": outcome.run["run_id"], "state": "COMPLETED", "created": False}
        assert scenario.settled_queue() == outcome.queued  # nothing queued again
        status, listed = http("GET", f"{runtime.api_url}/reconciliation/runs?limit=5")
        assert status == 200 and outcome.run["run_id"] in [r["run_id"] for r in listed["runs"]]


def test_the_oms_command_runs_a_reconciliation_follows_it_and_prints_its_report(runtime: LocalRuntime) -> None:
    from click.testing import CliRunner

    from oms_cli import reconcile  # noqa: F401  (its commands join the group)
    from oms_cli.main import cli

    since, until = datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 22, 6, tzinfo=UTC)

    def oms(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--api", runtime.api_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    with MissedWebhooks(runtime, SHOP, seed=15) as scenario:
        outcome = scenario.run(40, since, until, drop_rate=0.1, prefix=4)
        run_id = outcome.run["run_id"]
        again = json.loads(oms("--json", "reconcile", "run", "shopify", SHOP, "--since", since.isoformat(), "--until", until.isoformat()))
        assert again["run"]["run_id"] == run_id and again["run"]["state"] == "COMPLETED"  # the same window is the same run
        assert {d["difference_id"] for d in again["differences"]} == {d["difference_id"] for d in outcome.differences}
        shown = oms("reconcile", "show", run_id)
        assert run_id in shown and "missing_in_oms" in shown and "auto_fixed" in shown
        assert run_id in oms("reconcile", "list", "--limit", "5")
        csv_text = oms("reconcile", "show", run_id, "--csv", "-")
        assert csv_text.lstrip("\ufeff").splitlines()[0].startswith("run_id,") and len(csv_text.splitlines()) == 1 + len(outcome.differences)
