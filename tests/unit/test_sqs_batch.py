"""Partial batch responses without Powertools' batch package (shared/sqs_batch.py): the failed
records are reported, the others deleted, and a batch that failed whole fails the invocation."""

from __future__ import annotations

import pytest

from shared.sqs_batch import BatchFailed, process_partial_response


def records(*bodies: str) -> dict:
    return {"Records": [{"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body, "attributes": {}, "eventSource": "aws:sqs"} for i, body in enumerate(bodies)]}


def test_failed_records_are_reported_and_the_others_pass():
    seen = []

    def handle(record):
        if record.body == "bad":
            raise ValueError("cannot use it")
        seen.append((record.message_id, record.body))

    answer = process_partial_response(records("a", "bad", "c"), handle)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert seen == [("m0", "a"), ("m2", "c")]


def test_a_batch_that_failed_whole_fails_the_invocation():
    def handle(record):
        raise ConnectionError("store unavailable")

    with pytest.raises(BatchFailed) as failed:
        process_partial_response(records("a", "b"), handle)
    assert [message_id for message_id, _ in failed.value.errors] == ["m0", "m1"]


def test_an_empty_batch_is_an_empty_answer():
    assert process_partial_response({"Records": []}, lambda record: None) == {"batchItemFailures": []}


def test_a_record_that_ran_ahead_is_retried_with_one_warning_line_not_an_error(caplog):
    from shared.notices.send import NotYetRecorded

    def handle(record):
        if record.body == "early":
            raise NotYetRecorded("the parcel is not recorded as shipped yet")

    with caplog.at_level("WARNING"):
        answer = process_partial_response(records("a", "early"), handle)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}  # still retried by SQS
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "oms" or "retried" in r.getMessage()] == [("WARNING", "record retried later")]
