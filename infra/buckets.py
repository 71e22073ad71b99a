"""The S3 buckets of topology.BUCKETS, each telling its queue of new objects.

The notification is declared on the bucket itself (CloudFormation's NotificationConfiguration)
rather than with CDK's add_event_notification, which adds a custom-resource Lambda function the
topology does not declare. CloudFormation checks that S3 may send to the queue when it creates
the bucket, so the bucket waits for the queue's policy; the policy names the bucket by its
(known) name rather than by reference, which would make the two wait for each other.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.nag import acknowledge
from infra.naming import mark, pascal

# Import files and their reports are evidence for a few months, not an archive.
OBJECT_RETENTION = Duration.days(90)


class Buckets(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, settings: EnvironmentSettings, queues: dict[str, sqs.Queue]
    ) -> None:
        super().__init__(scope, id_)
        self.buckets: dict[str, s3.Bucket] = {}
        for spec in topology.BUCKETS:
            self.buckets[spec.key] = self._bucket(spec, settings, queues)

    def _bucket(
        self, spec: topology.Bucket, settings: EnvironmentSettings, queues: dict[str, sqs.Queue]
    ) -> s3.Bucket:
        # Bucket names are global: account and region make this one unique.
        name = f"{settings.stack_name}-{spec.key.replace('_', '-')}-{Aws.ACCOUNT_ID}-{Aws.REGION}"
        bucket = s3.Bucket(
            self,
            f"{pascal(spec.key)}Bucket",
            bucket_name=name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=OBJECT_RETENTION)] if spec.expire_objects else None,
            removal_policy=settings.removal_policy,
        )
        mark(bucket, spec.key)
        acknowledge(
            bucket,
            "S1",
            "Who put which import file is in the import report and in CloudTrail; server access "
            "logs would need a second bucket (itself unlogged) for no further question answered.",
        )
        if spec.notify_queue:
            self._notify(bucket, name, spec, queues[spec.notify_queue])
        return bucket

    @staticmethod
    def _notify(bucket: s3.Bucket, name: str, spec: topology.Bucket, queue: sqs.Queue) -> None:
        allowed = queue.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:s3:::{name}"},
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )
        rules = [
            s3.CfnBucket.FilterRuleProperty(name="prefix", value=spec.notify_prefix),
            s3.CfnBucket.FilterRuleProperty(name="suffix", value=spec.notify_suffix),
        ]
        cfn_bucket: s3.CfnBucket = bucket.node.default_child  # type: ignore[assignment]
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    queue=queue.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(rules=rules)
                    ),
                )
            ]
        )
        if allowed.policy_dependable is not None:
            cfn_bucket.node.add_dependency(allowed.policy_dependable)
