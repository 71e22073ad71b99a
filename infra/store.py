"""The DynamoDB tables of topology.TABLES."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.naming import mark, pascal


class Store(Construct):
    """One on-demand table per topology table: on-demand because the load is bursty (promotions)
    and idle most of the night; PITR because the order store is the system of record."""

    def __init__(self, scope: Construct, id_: str, *, settings: EnvironmentSettings) -> None:
        super().__init__(scope, id_)
        self.tables: dict[str, dynamodb.Table] = {
            spec.key: self._table(spec, settings) for spec in topology.TABLES
        }

    def _table(self, spec: topology.Table, settings: EnvironmentSettings) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            f"{pascal(spec.key)}Table",
            partition_key=_string(spec.partition_key),
            sort_key=_string(spec.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # AWS-managed KMS key: encrypted at rest, auditable in CloudTrail, no key to run.
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType[spec.stream] if spec.stream else None,
            deletion_protection=settings.table_deletion_protection,
            removal_policy=settings.removal_policy,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_string(index.partition_key),
                sort_key=_string(index.sort_key),
                **_projection(index),
            )
        mark(table, spec.key)
        return table


def _projection(index: topology.Index) -> dict:
    if index.projection is None:
        return {"projection_type": dynamodb.ProjectionType.ALL}
    if not index.projection:
        return {"projection_type": dynamodb.ProjectionType.KEYS_ONLY}
    return {"projection_type": dynamodb.ProjectionType.INCLUDE, "non_key_attributes": list(index.projection)}


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)
