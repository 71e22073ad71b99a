"""Texts to customers through Amazon SNS (AWS adapter): a direct publish to a phone number,
transactional (delivered even to numbers that opted out of promotions, at the transactional price)."""

from __future__ import annotations

from shared.aws.clients import client


def send_sms(phone_e164: str, text: str) -> str:
    """Returns SNS's message id."""
    answer = client("sns").publish(
        PhoneNumber=phone_e164,
        Message=text,
        MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
    )
    return answer["MessageId"]
