"""The customer notices' SES sender per environment (decision 138): named in cdk.json's
oms:environments (notice_email_from), required in staging and prod as the alarm subscribers are,
and used both as the functions' NOTICE_EMAIL_FROM and as the only identity/From address the SES
grant allows."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from infra import topology
from infra.config import NoNoticeSenderError, parse_settings
from tests.infra.conftest import Synthesized


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_staging_and_prod_refuse_to_synthesize_without_a_notice_sender(env_name: str, cdk_context: dict[str, Any]) -> None:
    environments = json.loads(json.dumps(cdk_context["oms:environments"]))
    del environments[env_name]["notice_email_from"]
    with pytest.raises(NoNoticeSenderError, match=f"{env_name}.*notice_email_from"):
        parse_settings(env_name, environments, 41)
    environments[env_name]["notice_email_from"] = "notices at example.com"
    with pytest.raises(ValueError, match="not an email address"):
        parse_settings(env_name, environments, 41)


def test_each_environment_has_its_own_sender_and_dev_may_fall_back(cdk_context: dict[str, Any]) -> None:
    environments = json.loads(json.dumps(cdk_context["oms:environments"]))
    senders = {name: parse_settings(name, environments, 41).notice_email_from for name in ("dev", "staging", "prod")}
    assert senders == {name: environments[name]["notice_email_from"] for name in senders}
    assert len(set(senders.values())) == 3
    del environments["dev"]["notice_email_from"]
    assert parse_settings("dev", environments, 41).notice_email_from == topology.NOTICE_EMAIL_FROM


def _sender_in(synthesized: Synthesized) -> tuple[set[str], list[dict[str, Any]]]:
    functions = synthesized.of_type("AWS::Lambda::Function").values()
    senders = {f["Properties"]["Environment"]["Variables"]["NOTICE_EMAIL_FROM"] for f in functions if "NOTICE_EMAIL_FROM" in f["Properties"].get("Environment", {}).get("Variables", {})}
    statements = [
        s
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Action") == "ses:SendEmail"
    ]
    return senders, statements


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_the_functions_send_from_and_may_only_send_as_the_environments_sender(env_name: str, synthesize: Callable[[str], Synthesized], cdk_context: dict[str, Any]) -> None:
    sender = cdk_context["oms:environments"][env_name]["notice_email_from"]
    senders, statements = _sender_in(synthesize(env_name))
    assert senders == {sender}
    assert statements and all(s["Condition"] == {"StringEquals": {"ses:FromAddress": sender}} for s in statements)
    assert all(f"identity/{sender.split('@')[1]}" in json.dumps(s["Resource"]) for s in statements)
