"""Who calls the operations API: console users' groups (Cognito claims, or the local development
sign-in that produces the same claims) and the supervisor-only actions."""

import pytest

from local.console_auth import claims_of, dev_token
from shared.operations.access import Forbidden, caller_of, parse_groups


def console_event(claims):
    return {"resource": "/console/rulesets/rollback", "requestContext": {"resourcePath": "/console/rulesets/rollback", "authorizer": {"claims": claims}}}


def test_a_development_token_becomes_the_claims_api_gateway_hands_on():
    claims = claims_of(f"Bearer {dev_token('ops-chen', ['supervisor', 'operator'])}")
    assert claims == {"cognito:username": "ops-chen", "cognito:groups": "supervisor,operator", "token_use": "id"}
    caller = caller_of(console_event(claims))
    assert (caller.name, caller.groups, caller.console) == ("ops-chen", frozenset({"supervisor", "operator"}), True)


@pytest.mark.parametrize("header", [None, "", "Bearer x.y.z", "Bearer dev.!!!", f"Bearer {dev_token('ops', ['root'])}", f"Bearer {dev_token(' ', ['operator'])}"])
def test_anything_else_is_no_sign_in(header):
    assert claims_of(header) is None


@pytest.mark.parametrize("value", [["operator", "supervisor"], '["operator","supervisor"]', "[operator supervisor]", "operator,supervisor"])
def test_groups_in_every_shape_api_gateway_uses(value):
    assert parse_groups(value) == {"operator", "supervisor"}


def test_an_operator_may_not_change_the_rules_in_force_but_a_supervisor_and_iam_may():
    operator = caller_of(console_event({"cognito:username": "li", "cognito:groups": "operator"}))
    with pytest.raises(Forbidden, match="needs the supervisor group"):
        operator.require("supervisor", "rolling back the rules in force")
    caller_of(console_event({"cognito:username": "wang", "cognito:groups": "supervisor"})).require("supervisor", "x")
    iam = caller_of({"resource": "/rulesets/rollback", "requestContext": {"identity": {"userArn": "arn:aws:iam::1:user/tool"}}})
    assert (iam.name, iam.console) == ("arn:aws:iam::1:user/tool", False)
    iam.require("supervisor", "x")  # IAM policy decided


def test_a_console_route_without_claims_is_refused():
    caller = caller_of({"resource": "/console/rulesets/rollback", "requestContext": {}})
    with pytest.raises(Forbidden):
        caller.require("supervisor", "x")
