"""shared.http_api.without_bom: a JSON body's UTF-8 byte order mark is dropped before the resolver
parses it, whether API Gateway passed the body as text or base64; any other body is left alone."""

from __future__ import annotations

import base64

from shared.http_api import without_bom


def test_the_mark_is_dropped_from_a_text_body_and_a_base64_one():
    assert without_bom({"body": '\ufeff{"a": 1}', "isBase64Encoded": False})["body"] == '{"a": 1}'
    encoded = base64.b64encode('\ufeff{"a": "茶"}'.encode()).decode()
    assert without_bom({"body": encoded, "isBase64Encoded": True}) == {"body": '{"a": "茶"}', "isBase64Encoded": False}


def test_a_body_without_the_mark_is_the_same_event():
    for event in ({"body": '{"a": 1}', "isBase64Encoded": False}, {"body": base64.b64encode(b'{"a": 1}').decode(), "isBase64Encoded": True}, {"body": None}):
        assert without_bom(event) is event
