"""Per-environment settings, read from the context of cdk.json.

cdk.json is the one place where dev, staging and prod differ (removal policy, log retention,
API throttling, alarm thresholds). The CDK CLI hands its context to the app through
CDK_CONTEXT_JSON; when the app runs without the CLI (tests, `python -m infra.app`) the same
context is read from cdk.json directly, so both paths see the same settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.topology import NOTICE_EMAIL_FROM, PARTNER_BUSES, ROOT

CDK_JSON = ROOT / "cdk.json"
ENV_CONTEXT_KEY = "env"
DEFAULT_ENV = "dev"
ENVIRONMENTS_KEY = "oms:environments"
POWERTOOLS_LAYER_VERSION_KEY = "oms:powertoolsLayerVersion"


class UnknownEnvironmentError(ValueError):
    pass


@dataclass(frozen=True)
class EnvironmentSettings:
    name: str
    removal_policy: RemovalPolicy
    table_deletion_protection: bool
    log_retention: logs.RetentionDays
    log_level: str
    api_throttle_rate_limit: float
    api_throttle_burst_limit: int
    # The account's Lambda concurrent executions in the environment's region (Service Quotas,
    # L-B99A9384): 1,000 by default; prod's is raised before a promotion (docs/runbook.md). The
    # stack alarms at ACCOUNT_CONCURRENCY_ALARM_SHARE of it; tests/infra check the functions' caps
    # and modelled need fit in it (decision 205).
    lambda_concurrency_quota: int
    alarm_oldest_message_age_seconds: int
    alarm_function_errors: int
    alarm_api_server_errors: int
    alarm_emails: tuple[str, ...]
    powertools_layer_version: int
    # partner bus key (topology.PARTNER_BUSES) -> the partner event source it is associated with
    partner_event_sources: dict[str, str]
    account: str | None = None
    region: str | None = None
    workflow_log_level: str = "ALL"  # Step Functions: ALL (with execution data) or ERROR (without)
    # The customer notices' SES sender (decision 138): an identity verified in SES in the
    # environment's account and region; staging and prod refuse to synthesize without one.
    notice_email_from: str = NOTICE_EMAIL_FROM
    # Lambda SnapStart on the published versions of topology.SNAPSTART_FUNCTIONS (decision 200):
    # their aliases exist in every stage; this says whether a version is published with a snapshot.
    snapstart: bool = False

    @property
    def stack_name(self) -> str:
        return f"oms-{self.name}"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")).get("context", {})


def settings_from_context(scope: Construct) -> EnvironmentSettings:
    """The settings of the environment chosen with `-c env=<name>` (dev when not given)."""
    env_name = scope.node.try_get_context(ENV_CONTEXT_KEY) or DEFAULT_ENV
    environments = scope.node.try_get_context(ENVIRONMENTS_KEY)
    if not environments:
        raise UnknownEnvironmentError(f"cdk.json has no context key {ENVIRONMENTS_KEY!r}")
    layer_version = scope.node.try_get_context(POWERTOOLS_LAYER_VERSION_KEY)
    if layer_version is None:
        raise ValueError(f"cdk.json has no context key {POWERTOOLS_LAYER_VERSION_KEY!r}")
    return parse_settings(env_name, environments, int(layer_version))


def parse_settings(
    env_name: str, environments: dict[str, dict[str, Any]], powertools_layer_version: int
) -> EnvironmentSettings:
    if env_name not in environments:
        raise UnknownEnvironmentError(
            f"unknown environment {env_name!r}: choose one of {sorted(environments)} "
            f"(cdk.json context {ENVIRONMENTS_KEY!r}), e.g. `-c env=dev`"
        )
    raw = environments[env_name]
    try:
        return EnvironmentSettings(
            name=env_name,
            removal_policy=_removal_policy(raw["removal_policy"]),
            table_deletion_protection=bool(raw["table_deletion_protection"]),
            log_retention=_retention(raw["log_retention"]),
            log_level=str(raw["log_level"]).upper(),
            api_throttle_rate_limit=float(raw["api_throttle_rate_limit"]),
            api_throttle_burst_limit=int(raw["api_throttle_burst_limit"]),
            lambda_concurrency_quota=_concurrency_quota(env_name, raw["lambda_concurrency_quota"]),
            alarm_oldest_message_age_seconds=int(raw["alarm_oldest_message_age_seconds"]),
            alarm_function_errors=int(raw["alarm_function_errors"]),
            alarm_api_server_errors=int(raw["alarm_api_server_errors"]),
            alarm_emails=_alarm_emails(env_name, raw.get("alarm_emails", ())),
            powertools_layer_version=powertools_layer_version,
            partner_event_sources=_partner_event_sources(env_name, raw["partner_event_sources"]),
            account=raw.get("account"),
            region=raw.get("region"),
            workflow_log_level=_workflow_log_level(env_name, raw.get("workflow_log_level", "ALL")),
            notice_email_from=_notice_sender(env_name, raw.get("notice_email_from")),
            snapstart=_switch(env_name, "snapstart", raw["snapstart"]),
        )
    except KeyError as missing:
        raise ValueError(
            f"environment {env_name!r} in cdk.json lacks the setting {missing.args[0]!r}"
        ) from None


def _concurrency_quota(env_name: str, value: Any) -> int:
    quota = int(value)
    if quota < 1000:  # below AWS's default: a typo, not a quota
        raise ValueError(f"environment {env_name!r}: lambda_concurrency_quota {quota} is below AWS's default of 1,000")
    return quota


def _workflow_log_level(env_name: str, value: str) -> str:
    level = str(value).upper()
    if level not in ("ALL", "ERROR", "FATAL", "OFF"):
        raise ValueError(f"environment {env_name!r}: workflow_log_level must be ALL, ERROR, FATAL or OFF, not {value!r}")
    return level


def _switch(env_name: str, key: str, value: Any) -> bool:
    """A true/false setting: JSON's true or false, nothing that merely looks like one ("off" is truthy)."""
    if not isinstance(value, bool):
        raise ValueError(f"environment {env_name!r}: {key} must be true or false, not {value!r}")
    return value


# Environments whose alarms must reach a person: they refuse to synthesize without a subscriber.
ENVIRONMENTS_NEEDING_A_SUBSCRIBER = ("staging", "prod")


class NoAlarmSubscriberError(ValueError):
    pass


def _alarm_emails(env_name: str, emails: Any) -> tuple[str, ...]:
    """Who the alarm topic emails. Staging and prod need at least one address, each of the
    form name@domain; dev may have none (its alarms stay on the console)."""
    found = tuple(str(e).strip() for e in (emails or ()))
    bad = [e for e in found if e.count("@") != 1 or "." not in e.split("@")[1] or " " in e]
    if bad:
        raise ValueError(f"environment {env_name!r}: alarm_emails has addresses that are not email addresses: {bad}")
    if env_name in ENVIRONMENTS_NEEDING_A_SUBSCRIBER and not found:
        raise NoAlarmSubscriberError(
            f"environment {env_name!r} has no alarm subscriber: set alarm_emails in cdk.json "
            "(context oms:environments) to the on-call address(es); alarms that reach nobody are not alarms"
        )
    return found


def _partner_event_sources(env_name: str, sources: dict[str, str]) -> dict[str, str]:
    """Every partner bus of the topology needs its source, named as the partner names it."""
    for bus in PARTNER_BUSES:
        source = sources.get(bus.key, "")
        if not source.startswith(f"aws.partner/{bus.partner}/"):
            raise ValueError(
                f"environment {env_name!r}: partner_event_sources.{bus.key} must name the partner "
                f"event source (aws.partner/{bus.partner}/...), not {source!r}"
            )
    return dict(sources)


def _removal_policy(value: str) -> RemovalPolicy:
    policies = {"destroy": RemovalPolicy.DESTROY, "retain": RemovalPolicy.RETAIN}
    if value not in policies:
        raise ValueError(f"removal_policy must be one of {sorted(policies)}, not {value!r}")
    return policies[value]


def _retention(value: str) -> logs.RetentionDays:
    try:
        return logs.RetentionDays[value]
    except KeyError:
        raise ValueError(
            f"log_retention must name a RetentionDays member (e.g. ONE_MONTH), not {value!r}"
        ) from None


# --- The customer notices' SES sender per environment (decision 138) ---------------------------
ENVIRONMENTS_NEEDING_A_NOTICE_SENDER = ("staging", "prod")


class NoNoticeSenderError(ValueError):
    pass


def _notice_sender(env_name: str, value: Any) -> str:
    """The address customer emails come from. Staging and prod must name theirs (verified in SES
    before go-live, runbook); dev falls back to the topology's placeholder."""
    sender = str(value or "").strip()
    if not sender:
        if env_name in ENVIRONMENTS_NEEDING_A_NOTICE_SENDER:
            raise NoNoticeSenderError(
                f"environment {env_name!r} has no notice sender: set notice_email_from in cdk.json "
                "(context oms:environments) to the SES-verified address customer emails come from"
            )
        return NOTICE_EMAIL_FROM
    if sender.count("@") != 1 or "." not in sender.split("@")[1] or " " in sender:
        raise ValueError(f"environment {env_name!r}: notice_email_from is not an email address: {sender!r}")
    return sender
