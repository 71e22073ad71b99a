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


def test_a_record_that_ran_ahead_is_retried_with_one_info_line_naming_the_reason_not_a_warning(caplog):
    from shared.notices.send import NotYetRecorded

    def handle(record):
        if record.body == "early":
            raise NotYetRecorded("the parcel is not recorded as shipped yet")

    with caplog.at_level("INFO", logger="oms"):
        answer = process_partial_response(records("a", "early"), handle)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}  # still retried by SQS
    lines = [r for r in caplog.records if r.name == "oms" or "retried" in r.getMessage()]
    assert [(r.levelname, r.getMessage(), r.reason) for r in lines] == [("INFO", "record retried later", "the parcel is not recorded as shipped yet")]


def fifo_records(*grouped: tuple[str, str]) -> dict:
    """FIFO records as Lambda delivers them: MessageGroupId among the record's attributes."""
    return {
        "Records": [
            {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body, "attributes": {"MessageGroupId": group}, "eventSource": "aws:sqs"}
            for i, (group, body) in enumerate(grouped)
        ]
    }


def test_on_a_fifo_queue_the_later_records_of_a_failed_records_group_are_held_back_unhandled():
    seen = []

    def handle(record):
        if record.body == "bad":
            raise ValueError("cannot use it yet")
        seen.append(record.body)

    answer = process_partial_response(fifo_records(("sku-1", "a1"), ("sku-1", "bad"), ("sku-2", "b1"), ("sku-1", "a3"), ("sku-2", "b2")), handle)
    # sku-1's third message waits for its second (SQS re-delivers both, in order); sku-2 goes on
    assert seen == ["a1", "b1", "b2"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}


def test_a_fifo_batch_whose_records_all_failed_or_were_held_back_fails_the_invocation():
    from shared.sqs_batch import HeldBehindFailure

    def handle(record):
        raise ConnectionError("store unavailable")

    with pytest.raises(BatchFailed) as failed:
        process_partial_response(fifo_records(("g", "a"), ("g", "b")), handle)
    assert [type(error) for _, error in failed.value.errors] == [ConnectionError, HeldBehindFailure]
