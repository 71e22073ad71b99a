"""The console's development sign-in, locally: what Cognito and API Gateway's user-pool
authorizer do on AWS, for a user and group picked on the sign-in page.

A development token is "dev." + base64url(JSON claims). It is not signed: it exists only on the
local runtime, which binds to 127.0.0.1. On AWS the console signs in with Cognito (hosted UI) and
API Gateway verifies the JWT; either way the handlers read requestContext.authorizer.claims."""

from __future__ import annotations

import base64
import json
from typing import Any

from shared.operations.access import GROUPS

DEV_PREFIX = "dev."


def dev_token(username: str, groups: list[str]) -> str:
    claims = {"cognito:username": username, "cognito:groups": groups, "token_use": "id"}
    return DEV_PREFIX + base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")


def claims_of(authorization: str | None) -> dict[str, Any] | None:
    """The claims of an `Authorization: Bearer dev.…` header, or None (the request gets 401)."""
    if not authorization:
        return None
    token = authorization.removeprefix("Bearer ").strip()
    if not token.startswith(DEV_PREFIX):
        return None
    body = token[len(DEV_PREFIX):]
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    username = claims.get("cognito:username")
    groups = claims.get("cognito:groups") or []
    if not isinstance(username, str) or not username.strip() or not isinstance(groups, list) or not set(groups) <= set(GROUPS):
        return None
    # As API Gateway's REST user-pool authorizer hands them on: strings.
    return {"cognito:username": username, "cognito:groups": ",".join(groups), "token_use": "id"}
