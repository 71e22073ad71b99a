"""Reading a request body as JSON without letting a hostile body become a crash: numbers too long
to convert and nesting too deep to decode are malformed input (400), like any syntax error."""

from __future__ import annotations

import json
from typing import Any

from shared.problems import InputRejected


def load_json(raw: str | bytes) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise InputRejected.one(400, "body", "json_invalid", f"the body is not JSON: {error.msg} at line {error.lineno}, column {error.colno} (character {error.pos})") from None
    except UnicodeDecodeError as error:
        raise InputRejected.one(400, "body", "utf8", f"the body is not valid UTF-8 (byte {error.start})") from None
    except RecursionError:
        raise InputRejected.one(400, "body", "json_too_deep", "the body nests JSON too deeply to read") from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise InputRejected.one(400, "body", "json_invalid", f"the body is not usable JSON: {error}") from None


def load_json_object(raw: str | bytes) -> dict[str, Any]:
    document = load_json(raw)
    if not isinstance(document, dict):
        raise InputRejected.one(400, "body", "model_attributes_type", f"the body must be a JSON object, not {type(document).__name__}")
    return document
