"""Per channel: API key and usage plan (or a method throttle for a channel that cannot send a
key), the request size rule at the edge, the partner bus on its event source."""

from __future__ import annotations

from typing import Any

import pytest

from infra import topology
from infra.api import _share
from infra.config import parse_settings
from infra.request_size import integer_greater_than, route_path_regex
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import by_topology_key, referenced_id, referenced_ids


@pytest.fixture(scope="module")
def dev_settings(cdk_context: dict[str, Any]):
    return parse_settings("dev", cdk_context["oms:environments"], 1)


def _methods(dev: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    resources = dev.of_type("AWS::ApiGateway::Resource")

    def path_of(logical_id: str) -> str:
        properties = resources[logical_id]["Properties"]
        parent = properties["ParentId"].get("Ref") if isinstance(properties["ParentId"], dict) else None
        return (path_of(parent) if parent in resources else "") + "/" + properties["PathPart"]

    return {
        (m["Properties"]["HttpMethod"], path_of(referenced_id(m["Properties"]["ResourceId"]))): m["Properties"]
        for m in dev.of_type("AWS::ApiGateway::Method").values()
    }


def test_a_route_needs_an_api_key_exactly_when_its_channel_sends_one(dev: Synthesized) -> None:
    methods = _methods(dev)
    for route in topology.ROUTES:
        expects_key = route.client is not None and topology.api_client(route.client).sends_api_key
        assert methods[(route.method, route.path)].get("ApiKeyRequired", False) is expects_key, route.path


def test_each_keyed_channel_has_its_key_in_its_own_usage_plan_with_its_throttle(dev: Synthesized, dev_settings) -> None:
    plans = {p["Properties"]["UsagePlanName"]: (lid, p["Properties"]) for lid, p in dev.of_type("AWS::ApiGateway::UsagePlan").items()}
    keys = {k["Properties"]["Name"]: lid for lid, k in dev.of_type("AWS::ApiGateway::ApiKey").items()}
    links = {(referenced_id(l["Properties"]["UsagePlanId"]), referenced_id(l["Properties"]["KeyId"])) for l in dev.of_type("AWS::ApiGateway::UsagePlanKey").values()}
    keyed = [c for c in topology.API_CLIENTS if c.sends_api_key]
    assert set(plans) == {f"oms-dev-{c.key}" for c in keyed} and set(keys) == set(plans)
    for client in keyed:
        plan_id, plan = plans[f"oms-dev-{client.key}"]
        rate, burst = _share(dev_settings, client)
        assert plan["Throttle"] == {"RateLimit": rate, "BurstLimit": burst}
        [stage] = plan["ApiStages"]
        assert referenced_id(stage["Stage"]) is not None
        assert (plan_id, keys[f"oms-dev-{client.key}"]) in links


def _stage_of(dev: Synthesized, api_name: str) -> tuple[str, dict[str, Any]]:
    """The stage of the REST API named `api_name` (the channels' API or the console's)."""
    [api_id] = [i for i, api in dev.of_type("AWS::ApiGateway::RestApi").items() if api["Properties"]["Name"] == api_name]
    [(stage_id, stage)] = [
        (i, stage) for i, stage in dev.of_type("AWS::ApiGateway::Stage").items() if referenced_id(stage["Properties"]["RestApiId"]) == api_id
    ]
    return stage_id, stage


def _acls_with_routes(dev: Synthesized) -> list[tuple[str, dict[str, Any], list[topology.Route]]]:
    """Each API's web ACL, its stage's logical id and the routes of that API."""
    console = [r for r in topology.ROUTES if r.authorization == "COGNITO"]
    tools_and_channels = [r for r in topology.ROUTES if r.authorization != "COGNITO"]
    acls = {acl["Properties"]["Name"]: acl for acl in dev.of_type("AWS::WAFv2::WebACL").values()}
    assert set(acls) == {"oms-dev-api", "oms-dev-console"}
    return [
        (_stage_of(dev, "oms-dev")[0], acls["oms-dev-api"], tools_and_channels),
        (_stage_of(dev, "oms-dev-console")[0], acls["oms-dev-console"], console),
    ]


def test_a_channel_without_a_key_is_throttled_per_method(dev: Synthesized, dev_settings) -> None:
    _, stage = _stage_of(dev, "oms-dev")
    settings = {(m["ResourcePath"], m["HttpMethod"]): m for m in stage["Properties"]["MethodSettings"]}
    keyless = [r for r in topology.ROUTES if r.client and not topology.api_client(r.client).sends_api_key]
    assert keyless, "Shopify webhooks carry no API key"
    for route in keyless:
        rate, burst = _share(dev_settings, topology.api_client(route.client))
        # A method setting writes /a/b as /~1a~1b.
        found = settings[("/" + route.path.replace("/", "~1"), route.method)]
        assert (found["ThrottlingRateLimit"], found["ThrottlingBurstLimit"]) == (rate, burst)


@pytest.mark.parametrize("api", [0, 1], ids=["channels and tools", "console"])
def test_the_waf_refuses_bodies_over_each_routes_limit_and_guards_the_stage(dev: Synthesized, api: int) -> None:
    stage_id, acl, routes = _acls_with_routes(dev)[api]
    limited = [r for r in routes if r.max_body_bytes]
    rules = acl["Properties"]["Rules"][: len(limited)]  # the size rules come first (then infra/edge_rules.py's)
    for route, rule in zip(limited, rules, strict=True):
        method, path, length = rule["Statement"]["AndStatement"]["Statements"]
        assert method["ByteMatchStatement"]["SearchString"] == route.method
        assert path["RegexMatchStatement"]["RegexString"] == route_path_regex(route.path)
        assert length["RegexMatchStatement"]["FieldToMatch"] == {"SingleHeader": {"Name": "content-length"}}
        assert length["RegexMatchStatement"]["RegexString"] == integer_greater_than(route.max_body_bytes)
        assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 413
    [association] = [
        a for a in dev.of_type("AWS::WAFv2::WebACLAssociation").values() if stage_id in referenced_ids(a["Properties"]["ResourceArn"])
    ]
    assert referenced_id(association["Properties"]["WebACLArn"]) in {
        i for i, candidate in dev.of_type("AWS::WAFv2::WebACL").items() if candidate == acl
    }


def test_the_partner_bus_is_associated_with_the_environments_partner_source(dev: Synthesized, cdk_context: dict[str, Any]) -> None:
    buses = by_topology_key(dev.of_type("AWS::Events::EventBus"))
    sources = cdk_context["oms:environments"]["dev"]["partner_event_sources"]
    for partner_bus in topology.PARTNER_BUSES:
        properties = dev.resources[buses[partner_bus.key]]["Properties"]
        assert properties["Name"] == properties["EventSourceName"] == sources[partner_bus.key]


def test_the_channel_secrets_start_empty(dev: Synthesized) -> None:
    for secret in dev.of_type("AWS::SecretsManager::Secret").values():
        assert secret["Properties"]["SecretString"] == "{}"


@pytest.mark.parametrize("api", [0, 1], ids=["channels and tools", "console"])
def test_the_waf_applies_aws_managed_rule_groups_and_a_rate_per_client_ip(dev: Synthesized, cdk_context: dict[str, Any], api: int) -> None:
    from infra.edge_rules import MANAGED_RULE_GROUPS, RATE_WINDOW_SECONDS

    _, acl, _ = _acls_with_routes(dev)[api]
    by_name = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    for group in MANAGED_RULE_GROUPS:
        statement = by_name[group]["Statement"]["ManagedRuleGroupStatement"]
        assert statement["VendorName"] == "AWS" and statement["Name"] == group
        assert by_name[group]["OverrideAction"] == {"None": {}}
    counted = by_name["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert [o["Name"] for o in counted] == ["SizeRestrictions_BODY"]  # each route's own size limit answers instead
    rate = by_name["RatePerClientIp"]
    stage_rate = cdk_context["oms:environments"]["dev"]["api_throttle_rate_limit"]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"] == {"AggregateKeyType": "IP", "Limit": max(100, stage_rate * RATE_WINDOW_SECONDS), "EvaluationWindowSec": RATE_WINDOW_SECONDS}
    priorities = [rule["Priority"] for rule in acl["Properties"]["Rules"]]
    assert len(set(priorities)) == len(priorities)
