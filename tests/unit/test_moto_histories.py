"""moto's history of every SMS published stays within its bound (issue 15): the newest texts are
still there to read, in the order sent, and SNS still answers every publish with a message id."""

from __future__ import annotations

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import SNSBackend, sns_backends

from local import moto_histories


def test_the_sms_history_keeps_the_newest_texts_within_its_bound(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(moto_histories, "SMS_KEPT", 20)
    monkeypatch.setattr(SNSBackend, "publish", moto_histories._publish_keeping_recent_sms)
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        ids = [sns.publish(PhoneNumber="+8613800138000", Message=f"text {i}")["MessageId"] for i in range(100)]
        backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        assert len(set(ids)) == 100
        assert 20 <= len(backend.sms_messages) <= 22
        assert list(backend.sms_message_objects) == list(backend.sms_messages)
        assert [text for _, text in backend.sms_messages.values()][-20:] == [f"text {i}" for i in range(80, 100)]
        assert ids[-1] in backend.sms_messages and ids[0] not in backend.sms_messages
        assert moto_histories.held_in_memory()["SMS texts kept (bound 20 + 10% per region)"] == len(backend.sms_messages)
