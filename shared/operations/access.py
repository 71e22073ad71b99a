"""Who calls the operations API, and what they may do.

Two route families reach the same handlers (infra/topology.py): /orders... signed with IAM
(operations tools; IAM policy decides) and /console/orders... for console users, whose Cognito
token API Gateway checks; its claims arrive in requestContext.authorizer.claims. A console user
is in group `operator` or `supervisor`; some actions (changing the rules in force) need
`supervisor`, checked here on the server whatever the page shows. Locally a development sign-in
produces the same claims (local/console_auth.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

OPERATOR, SUPERVISOR = "operator", "supervisor"
GROUPS = (OPERATOR, SUPERVISOR)
CONSOLE_PREFIX = "/console"


class Forbidden(Exception):
    """The caller is signed in but not in a group that may do this (403)."""

    def __init__(self, action: str, group: str):
        super().__init__(f"{action} needs the {group} group")
        self.action, self.group = action, group


@dataclass(frozen=True)
class Caller:
    name: str
    groups: frozenset[str]
    console: bool  # came through the console's route family (a Cognito user)

    def require(self, group: str, action: str) -> None:
        """IAM callers pass (their policy decided); console users need the group."""
        if self.console and group not in self.groups and SUPERVISOR not in self.groups:
            raise Forbidden(action, group)


def parse_groups(value: Any) -> frozenset[str]:
    """cognito:groups as API Gateway hands it on: a list, a JSON array, or "[a b]" / "a,b"."""
    if value is None:
        return frozenset()
    if isinstance(value, (list, tuple)):
        return frozenset(str(v) for v in value)
    text = str(value).strip()
    if text.startswith("["):
        try:
            return frozenset(str(v) for v in json.loads(text))
        except ValueError:
            text = text.strip("[]")
    return frozenset(part for part in text.replace(",", " ").split() if part)


def caller_of(event: dict[str, Any]) -> Caller:
    context = event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("claims")) or {}
    console = (event.get("resource") or context.get("resourcePath") or "").startswith(CONSOLE_PREFIX + "/")
    if claims:
        name = claims.get("cognito:username") or claims.get("email") or claims.get("sub") or "console user"
        return Caller(name=str(name), groups=parse_groups(claims.get("cognito:groups")), console=True)
    identity = context.get("identity") or {}
    name = identity.get("userArn") or identity.get("caller") or identity.get("user") or "anonymous (local)"
    return Caller(name=str(name), groups=frozenset(), console=console)
