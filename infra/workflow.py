"""The Step Functions state machines of topology.WORKFLOWS, built from their ASL files."""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.nag import acknowledge, arn_of
from infra.naming import mark, pascal

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def asl_placeholders(definition: Path) -> set[str]:
    return set(_PLACEHOLDER.findall(definition.read_text(encoding="utf-8")))


class Workflows(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: EnvironmentSettings,
        functions: dict[str, lambda_.IFunction],
    ) -> None:
        """`functions`: what a task invokes, by function key (a SnapStart function's alias)."""
        super().__init__(scope, id_)
        self.state_machines: dict[str, sfn.StateMachine] = {
            spec.key: self._state_machine(spec, settings, functions) for spec in topology.WORKFLOWS
        }

    def _state_machine(
        self,
        spec: topology.Workflow,
        settings: EnvironmentSettings,
        functions: dict[str, lambda_.IFunction],
    ) -> sfn.StateMachine:
        _check_placeholders(spec)
        name = pascal(spec.key)
        machine_name = f"{settings.stack_name}-{spec.key}"
        # Under /aws/vendedlogs/ so the log group does not count against the size limit of the
        # account's CloudWatch Logs resource policy.
        log_group = logs.LogGroup(
            self,
            f"{name}Logs",
            log_group_name=f"/aws/vendedlogs/states/{machine_name}",
            retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        machine = sfn.StateMachine(
            self,
            f"{name}StateMachine",
            state_machine_name=machine_name,
            state_machine_type=(
                sfn.StateMachineType.EXPRESS if spec.express else sfn.StateMachineType.STANDARD
            ),
            definition_body=sfn.DefinitionBody.from_file(str(spec.definition)),
            definition_substitutions={
                placeholder: functions[function_key].function_arn
                for placeholder, function_key in spec.function_placeholders.items()
            },
            # Express executions keep no history in Step Functions: in dev and staging these
            # logs (ALL, with the states' data: ids, decisions and routing plans, no contact
            # data) are the record of a run. In prod, logging every event of every run was a
            # sixth of the cost per order: ERROR without execution data there; each order's
            # timeline in DynamoDB is its record (cdk.json workflow_log_level).
            logs=sfn.LogOptions(
                destination=log_group,
                level=sfn.LogLevel[settings.workflow_log_level],
                include_execution_data=settings.workflow_log_level == "ALL",
            ),
            tracing_enabled=True,
        )
        mark(machine, spec.key)
        if settings.workflow_log_level != "ALL":
            acknowledge(
                machine.node.default_child,
                "SF1",
                "This environment logs workflow errors only, without execution data (cdk.json "
                "workflow_log_level): every order's history is its timeline in DynamoDB, and ALL "
                "logging cost 17% of the per-order bill at promotion scale (decision 59).",
            )
        task_functions = sorted(set(spec.function_placeholders.values()))
        for function_key in task_functions:
            functions[function_key].grant_invoke(machine)
        acknowledge(
            machine.role,
            "IAM5",
            "Log delivery (logs:CreateLogDelivery, logs:DescribeResourcePolicies, ...) and X-Ray "
            "(xray:PutTraceSegments, ...) do not support resource-level permissions.",
            "Resource::*",
        )
        # An alias is granted on its own ARN; an unqualified function with its versions (<arn>:*).
        unqualified = [key for key in task_functions if isinstance(functions[key], lambda_.Function)]
        if unqualified:
            acknowledge(
                machine.role,
                "IAM5",
                "lambda:InvokeFunction on the task function and its versions/aliases (<arn>:*), "
                "as granted by Function.grant_invoke; scoped to the workflow's own task functions.",
                *(f"Resource::{arn_of(functions[key])}:*" for key in unqualified),
            )
        return machine


def _check_placeholders(spec: topology.Workflow) -> None:
    """Fail the synth, not the deployment, when the ASL and topology disagree."""
    in_asl = asl_placeholders(spec.definition)
    declared = set(spec.function_placeholders)
    if in_asl != declared:
        raise ValueError(
            f"workflow {spec.key!r}: placeholders in {spec.definition.name} {sorted(in_asl)} "
            f"differ from topology's function_placeholders {sorted(declared)}"
        )
