"""pydantic's and Powertools' validation errors as oms's problems (shared/problems.py)."""

from __future__ import annotations

from shared.problems import problems_from_validation


def test_a_body_that_is_not_json_is_the_body_at_fault_not_a_field_named_after_a_character():
    errors = [{"type": "json_invalid", "loc": ("body", 0), "msg": "JSON decode error", "input": {}, "ctx": {"error": "Expecting value"}}]
    [problem] = problems_from_validation(errors)
    assert (problem.field, problem.rule) == ("body", "json_invalid")
    assert problem.message == "the body is not JSON (Expecting value) at character 0"


def test_field_errors_keep_their_path_without_the_body_prefix():
    errors = [{"type": "missing", "loc": ("body", "lines", 0, "quantity"), "msg": "Field required"}]
    [problem] = problems_from_validation(errors, prefix="order")
    assert (problem.field, problem.rule, problem.message) == ("order.lines.0.quantity", "missing", "Field required")
