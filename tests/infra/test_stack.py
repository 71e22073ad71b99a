"""What an operator relies on, checked on the synthesized dev template."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk.assertions import Match, Template

from infra import topology
from infra.layer_bundle import LAYER_PYTHON, ships_bytecode
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import (
    as_list,
    dead_letter_queue_ids,
    invoked_function,
    policy_statements,
    referenced_id,
    referenced_ids,
    tags_of,
)


def _alarms_on(dev: Synthesized, namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        alarm["Properties"]
        for alarm in dev.of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") == namespace
        and alarm["Properties"].get("MetricName") == metric
    ]


def _dimension_ids(alarm: dict[str, Any]) -> set[str]:
    return referenced_ids([dimension["Value"] for dimension in alarm.get("Dimensions", [])])


# --- queues and dead letters ----------------------------------------------------------------


def test_the_plain_template_the_tests_read_is_the_one_the_assertions_template_holds(dev: Synthesized) -> None:
    """`dev.json` (and `resources`, `of_type`) read the dict the Template was built from, not a
    copy through jsii (decision 209): the two must be the same template."""
    assert dev.json == dev.template.to_json()


def test_every_queue_that_is_not_a_dead_letter_queue_redrives_to_one(dev: Synthesized) -> None:
    dead_letter_queues = dead_letter_queue_ids(dev.resources)
    assert dead_letter_queues, "no dead-letter queue found at all"
    for logical_id, queue in dev.of_type("AWS::SQS::Queue").items():
        if logical_id in dead_letter_queues:
            continue
        redrive = queue["Properties"].get("RedrivePolicy")
        assert redrive, f"queue {logical_id} has no redrive policy"
        assert referenced_id(redrive["deadLetterTargetArn"]) in dead_letter_queues


def test_dead_letter_queues_keep_messages_fourteen_days(dev: Synthesized) -> None:
    for logical_id in dead_letter_queue_ids(dev.resources):
        assert dev.resources[logical_id]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_every_queue_is_encrypted_and_refuses_plain_http(dev: Synthesized) -> None:
    policies = dev.of_type("AWS::SQS::QueuePolicy").values()
    for logical_id, queue in dev.of_type("AWS::SQS::Queue").items():
        assert queue["Properties"].get("SqsManagedSseEnabled") is True, logical_id
        denies_http = [
            statement
            for policy in policies
            if logical_id in referenced_ids(policy["Properties"]["Queues"])
            for statement in as_list(policy["Properties"]["PolicyDocument"]["Statement"])
            if statement["Effect"] == "Deny"
            and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert denies_http, f"queue {logical_id} does not deny requests without TLS"


def test_every_dead_letter_queue_has_an_alarm_at_one_message(dev: Synthesized) -> None:
    alarms = _alarms_on(dev, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    for logical_id in dead_letter_queue_ids(dev.resources):
        matching = [a for a in alarms if logical_id in _dimension_ids(a)]
        assert matching, f"dead-letter queue {logical_id} has no alarm"
        for alarm in matching:
            assert alarm["Threshold"] == 1
            assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_main_queue_alarms_on_the_age_of_its_oldest_message(dev: Synthesized) -> None:
    alarms = _alarms_on(dev, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    main_queues = set(dev.of_type("AWS::SQS::Queue")) - dead_letter_queue_ids(dev.resources)
    for logical_id in main_queues:
        assert any(logical_id in _dimension_ids(a) for a in alarms), logical_id


def test_every_rule_target_has_a_dead_letter_queue_and_a_retry_policy(dev: Synthesized) -> None:
    rules = dev.of_type("AWS::Events::Rule")
    assert rules
    for logical_id, rule in rules.items():
        for target in rule["Properties"]["Targets"]:
            assert "Arn" in target.get("DeadLetterConfig", {}), logical_id
            retry = target.get("RetryPolicy", {})
            assert retry.get("MaximumRetryAttempts", 0) > 0, logical_id
            assert retry.get("MaximumEventAgeInSeconds", 0) >= 60, logical_id


# --- workflow -------------------------------------------------------------------------------


def test_state_machine_definition_leaves_no_placeholder_unsubstituted(dev: Synthesized) -> None:
    machines = dev.of_type("AWS::StepFunctions::StateMachine")
    assert len(machines) == len(topology.WORKFLOWS)
    for machine in machines.values():
        properties = machine["Properties"]
        definition = dev.asset_path(properties["DefinitionS3Location"]["Key"]).read_text()
        substitutions = properties["DefinitionSubstitutions"]
        unsubstituted = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", definition)) - set(substitutions)
        assert not unsubstituted
        functions = set(dev.of_type("AWS::Lambda::Function"))
        substituted_functions = {invoked_function(value, dev.resources) for value in substitutions.values()}
        assert substituted_functions <= functions
        assert properties["StateMachineType"] == "EXPRESS"
        assert properties["LoggingConfiguration"]["Level"] == "ALL"
        assert properties["TracingConfiguration"] == {"Enabled": True}


def test_workflow_references_every_task_function_and_may_invoke_it(dev: Synthesized) -> None:
    for spec in topology.WORKFLOWS:
        [machine] = [
            m["Properties"]
            for m in dev.of_type("AWS::StepFunctions::StateMachine").values()
            if tags_of(m).get("oms:topology-key") == spec.key
        ]
        task_ids = {referenced_id(v) for v in machine["DefinitionSubstitutions"].values()}
        assert len(task_ids) == len(set(spec.function_placeholders.values()))
        role_id = referenced_id(machine["RoleArn"])
        invocable = {
            logical_id
            for _, statement in policy_statements(dev.resources)
            if statement["Action"] == "lambda:InvokeFunction"
            for logical_id in referenced_ids(statement["Resource"])
        }
        assert task_ids <= invocable, f"the role {role_id} may not invoke every task"


def test_state_machine_alarms_on_failed_and_timed_out_executions(dev: Synthesized) -> None:
    for logical_id in dev.of_type("AWS::StepFunctions::StateMachine"):
        for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
            alarms = [
                a for a in _alarms_on(dev, "AWS/States", metric) if logical_id in _dimension_ids(a)
            ]
            assert alarms, f"{logical_id} has no {metric} alarm"
            assert all(a["Threshold"] == 1 for a in alarms)


# --- alarms reach someone -------------------------------------------------------------------


def test_every_alarm_notifies_the_ssl_only_alarm_topic(dev: Synthesized) -> None:
    [topic_id] = dev.of_type("AWS::SNS::Topic")
    for logical_id, alarm in dev.of_type("AWS::CloudWatch::Alarm").items():
        actions = alarm["Properties"].get("AlarmActions", [])
        assert {"Ref": topic_id} in actions, f"alarm {logical_id} notifies nobody"
    [policy] = dev.of_type("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )


# --- tables ---------------------------------------------------------------------------------


def test_tables_are_on_demand_with_point_in_time_recovery_and_encryption(
    template: Template,
) -> None:
    template.all_resources_properties(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
        },
    )


def test_dev_tables_are_destroyed_with_the_stack(template: Template) -> None:
    template.all_resources("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete"})


# --- IAM ------------------------------------------------------------------------------------


def test_no_policy_allows_every_action_or_every_action_of_a_service_on_everything(
    dev: Synthesized,
) -> None:
    offenders = []
    for logical_id, statement in policy_statements(dev.resources):
        if statement["Effect"] != "Allow":
            continue
        actions = as_list(statement["Action"])
        resources = as_list(statement.get("Resource", []))
        broad = [a for a in actions if a == "*" or re.fullmatch(r"[a-z0-9-]+:\*", a)]
        if broad and "*" in resources:
            offenders.append((logical_id, broad))
        if "*" in actions:
            offenders.append((logical_id, "*"))
    assert not offenders


def test_functions_use_their_own_roles_without_aws_managed_policies(dev: Synthesized) -> None:
    for function in dev.of_type("AWS::Lambda::Function").values():
        role = dev.resources[referenced_id(function["Properties"]["Role"])]
        assert not role["Properties"].get("ManagedPolicyArns")


# --- functions ------------------------------------------------------------------------------


def test_every_function_runs_python_312_or_newer_with_handler_handler(dev: Synthesized) -> None:
    functions = dev.of_type("AWS::Lambda::Function")
    assert len(functions) == len(topology.FUNCTIONS)
    for logical_id, function in functions.items():
        properties = function["Properties"]
        major, minor = map(int, properties["Runtime"].removeprefix("python").split("."))
        assert (major, minor) >= (3, 12), logical_id
        assert properties["Handler"] == "handler.handler"
        assert properties["TracingConfig"] == {"Mode": "Active"}


def test_every_function_logs_to_its_own_log_group_with_retention(dev: Synthesized) -> None:
    log_groups = set()
    for logical_id, function in dev.of_type("AWS::Lambda::Function").items():
        log_group_id = referenced_id(function["Properties"]["LoggingConfig"]["LogGroup"])
        assert log_group_id not in log_groups, f"{logical_id} shares a log group"
        log_groups.add(log_group_id)
        assert dev.resources[log_group_id]["Properties"]["RetentionInDays"] > 0


def test_functions_get_the_shared_layer_and_the_matching_powertools_layer(
    dev: Synthesized,
) -> None:
    [shared_layer_id] = dev.of_type("AWS::Lambda::LayerVersion")
    staged = dev.asset_path(dev.resources[shared_layer_id]["Properties"]["Content"]["S3Key"])
    assert (staged / "python" / "shared" / "__init__.py").is_file()
    # Bytecode only for the functions' runtime (infra/layer_bundle.py), and only when an
    # interpreter of that version compiled it: a .pyc of another version would be ignored.
    compiled = [p.name for p in staged.rglob("*.pyc")]
    if ships_bytecode():
        assert compiled and all(name.endswith(".cpython-{}{}.pyc".format(*LAYER_PYTHON)) for name in compiled)
    else:
        assert not compiled
    for function in dev.of_type("AWS::Lambda::Function").values():
        properties = function["Properties"]
        layers = properties["Layers"]
        assert {"Ref": shared_layer_id} in layers
        [architecture] = properties["Architectures"]
        runtime_tag = properties["Runtime"].replace(".", "")
        powertools = json.dumps([layer for layer in layers if "Ref" not in layer])
        assert f"AWSLambdaPowertoolsPythonV3-{runtime_tag}-{architecture}:" in powertools
        assert ":017000801446:layer:" in powertools


def test_functions_carry_service_name_metrics_namespace_log_level_and_env(
    dev: Synthesized,
) -> None:
    for function in dev.of_type("AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == "oms"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "oms"
        assert variables["OMS_ENV"] == "dev"
        assert variables["LOG_LEVEL"] in {"DEBUG", "INFO", "WARNING", "ERROR"}


# --- API ------------------------------------------------------------------------------------


def test_api_stage_is_named_by_env_with_access_logs_tracing_and_throttling(
    template: Template, cdk_context: dict[str, Any]
) -> None:
    dev_settings = cdk_context["oms:environments"]["dev"]
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "dev",
            "TracingEnabled": True,
            "AccessLogSetting": {"DestinationArn": Match.any_value(), "Format": Match.any_value()},
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "HttpMethod": "*",
                            "ResourcePath": "/*",
                            "ThrottlingRateLimit": dev_settings["api_throttle_rate_limit"],
                            "ThrottlingBurstLimit": dev_settings["api_throttle_burst_limit"],
                            "DataTraceEnabled": False,
                        }
                    )
                ]
            ),
        },
    )
    template.resource_count_is("AWS::ApiGateway::Account", 1)


# --- tags -----------------------------------------------------------------------------------


def test_resources_are_tagged_with_project_and_env(dev: Synthesized) -> None:
    tagged_types = (
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::Lambda::Function",
        "AWS::StepFunctions::StateMachine",
        "AWS::Events::EventBus",
        "AWS::SNS::Topic",
        "AWS::IAM::Role",
    )
    for resource_type in tagged_types:
        for logical_id, resource in dev.of_type(resource_type).items():
            tags = tags_of(resource)
            assert tags.get("project") == "oms", logical_id
            assert tags.get("env") == "dev", logical_id


def test_stuck_orders_alarm_and_the_detector_runs_every_minute_with_the_environments_limits(dev: Synthesized) -> None:
    assert _alarms_on(dev, "oms", "OrdersStuck") and _alarms_on(dev, "oms", "StuckOrdersEscalated")
    [schedule] = [r for r in dev.of_type("AWS::Events::Rule").values() if "time limit" in r["Properties"].get("Description", "")]
    assert schedule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    limits, redrives = topology.stuck_order_limits("dev")
    assert limits["APPROVED"] > 5 * 60  # longer than an Express run may last: no live run is re-driven
    assert limits["ON_HOLD"] % 3600 == 0 and redrives >= 1
