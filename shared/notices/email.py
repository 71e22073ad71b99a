"""Emails to customers through Amazon SES (AWS adapter): one plain-text message from the sender
the environment names (NOTICE_EMAIL_FROM, an SES-verified identity). Locally moto's SES records it
(the runtime verifies the sender at start, as the account would have)."""

from __future__ import annotations

import os

from shared.aws.clients import client

SENDER_ENV = "NOTICE_EMAIL_FROM"
SUBJECTS = {"zh": "您的订单 {external_id}", "en": "Your order {external_id}"}


def send_email(to: str, subject: str, text: str) -> str:
    """Returns SES's message id."""
    answer = client("ses").send_email(
        Source=os.environ[SENDER_ENV],
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
    )
    return answer["MessageId"]


def masked_email(address: str) -> str:
    """w***@example.com: enough for a person to recognise, not to write to."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
