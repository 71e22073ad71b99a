"""Texts to customers: SNS Publish straight to phone numbers (topology.CUSTOMER_MESSAGING_FUNCTIONS).

A direct SMS publish names no topic, so IAM has no resource to scope it to; the statement denies
publishing to any topic, so the grant texts people and nothing else."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from infra import topology
from infra.nag import acknowledge


def grant_customer_messaging(functions: dict[str, lambda_.Function], sender: str = topology.NOTICE_EMAIL_FROM) -> None:
    """`sender`: the environment's notice sender (cdk.json notice_email_from, decision 138)."""
    for key in topology.CUSTOMER_MESSAGING_FUNCTIONS:
        function = functions[key]
        function.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]))
        function.add_to_role_policy(iam.PolicyStatement(effect=iam.Effect.DENY, actions=["sns:Publish"], resources=["arn:aws:sns:*:*:*"]))
        acknowledge(
            function.role,
            "IAM5",
            "SMS to a phone number (SNS Publish with PhoneNumber) has no resource ARN to scope to; "
            "a deny on every topic ARN keeps the grant to texting customers.",
            "Resource::*",
        )
        # Email (decision 126): SES SendEmail from the notices sender's identity only.
        domain = sender.rsplit("@", 1)[1]
        identity = Stack.of(function).format_arn(service="ses", resource="identity", resource_name=domain)
        function.add_to_role_policy(iam.PolicyStatement(actions=["ses:SendEmail"], resources=[identity], conditions={"StringEquals": {"ses:FromAddress": sender}}))
