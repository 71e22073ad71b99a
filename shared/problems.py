"""How oms tells a sender what is wrong with its input: each problem names the field, the rule it
broke and a message; the whole answer says that nothing was stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel
from pydantic_core import PydanticCustomError

from shared.errors import OmsError

NOTHING_STORED = "the request is invalid; nothing was stored"


class Problem(BaseModel, defer_build=True):
    field: str
    rule: str
    message: str


class InputRejected(OmsError):
    """Input oms refuses, with the HTTP status that says why: 400 malformed, 401 not signed by the
    shop, 413 too large, 422 well-formed but unusable (an unknown SKU, an order not to fulfil)."""

    def __init__(self, status: int, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.message} ({p.rule})" for p in problems))
        self.status, self.problems = status, problems

    @classmethod
    def one(cls, status: int, field: str, rule: str, message: str) -> InputRejected:
        return cls(status, [Problem(field=field, rule=rule, message=message)])

    def answer(self) -> dict[str, Any]:
        return {"message": NOTHING_STORED, "errors": [p.model_dump() for p in self.problems]}


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("not_blank", "must contain more than whitespace")
    return value.strip()


# An operator's name, a reason: text a person must actually give (whitespace alone is refused).
NonBlank = Annotated[str, AfterValidator(_not_blank)]


def field_path(location: Iterable[Any], prefix: str = "") -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] == "body":  # Powertools puts request-body errors under "body"
        parts = parts[1:]
    path = ".".join(parts)
    return ".".join(p for p in (prefix, path) if p) or "body"


def problems_from_validation(errors: Iterable[dict[str, Any]], prefix: str = "") -> list[Problem]:
    """pydantic's error list as problems; `prefix` says which document the paths are in."""
    return [_problem(e, prefix) for e in errors]


def _problem(error: dict[str, Any], prefix: str) -> Problem:
    if error.get("type") == "json_invalid":  # Powertools' loc is ("body", <character>): the body is at fault
        where = [p for p in error.get("loc", ()) if isinstance(p, int)]
        detail = (error.get("ctx") or {}).get("error")
        message = "the body is not JSON" + (f" ({detail})" if detail else "") + (f" at character {where[0]}" if where else "")
        return Problem(field=prefix or "body", rule="json_invalid", message=message)
    message = error.get("msg", "")
    if error.get("type") == "string_too_short" and isinstance(given := error.get("input"), str) and given and not given.strip():
        message = "must not be blank: it holds only spaces"  # ids are read without their surrounding blanks
    return Problem(field=field_path(error.get("loc", ()), prefix), rule=error.get("type", "invalid"), message=message)
