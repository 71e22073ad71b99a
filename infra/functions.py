"""The Lambda functions of topology.FUNCTIONS, with the layers they share.

What a function may touch (its environment variables and IAM grants) is wired afterwards by
infra/wiring.py, once every resource exists: the workflow needs the task functions' ARNs
before the starter function can be given the workflow's ARN.
"""

from __future__ import annotations

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.layer_bundle import stage_shared_layer
from infra.nag import acknowledge
from infra.store_layout import plain_release_off, plain_transitions_off, shared_records_off
from infra.naming import mark, pascal
from shared import snapstart
from shared.aws import plain_release, write_layout

# Python 3.12 matches the Powertools layer build we pin; Graviton (arm64) costs ~20% less per
# GB-second than x86_64 and our dependencies are pure Python. The layer ARN follows both.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
POWERTOOLS_PUBLISHER_ACCOUNT = "017000801446"  # AWS's account that publishes the Powertools layer
SERVICE_NAME = "oms"
CODE_EXCLUDES = ["__pycache__", "*.pyc", ".pytest_cache"]


def application_log_level(log_level: str) -> str:
    """Lambda's application log filter for a stage's LOG_LEVEL: DEBUG or INFO as set, INFO for
    anything higher (metric lines have no level and count as INFO; dropping them loses alarms)."""
    return log_level if log_level in ("TRACE", "DEBUG", "INFO") else "INFO"


def lambda_handler(spec: topology.Function) -> str:
    """`functions.intake.handler` -> `handler.handler`: module file inside the code asset, then
    the function named `handler` in it."""
    return f"{spec.module.rsplit('.', 1)[-1]}.handler"


def powertools_layer_arn(region: str, version: int) -> str:
    runtime_tag = RUNTIME.name.replace(".", "")  # python3.12 -> python312
    return (
        f"arn:aws:lambda:{region}:{POWERTOOLS_PUBLISHER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{runtime_tag}-{ARCHITECTURE.name}:{version}"
    )


class Functions(Construct):
    def __init__(self, scope: Construct, id_: str, *, settings: EnvironmentSettings) -> None:
        super().__init__(scope, id_)
        self._settings = settings
        # The first deploys of new store layouts, the same for every function of the stage:
        # decision 154's (`cdk deploy -c order_plain_transitions=off`; a stage that has not
        # recorded it is refused, infra/store_layout.py, decision 189) and decisions 183/185's
        # (`cdk deploy -c shared_records=off`).
        self._layout_switches = {
            **({"ORDER_PLAIN_TRANSITIONS": "0"} if plain_transitions_off(self, settings.name) else {}),
            **({write_layout.SWITCH_ENV: "0"} if shared_records_off(self) else {}),
            # decision 225's (`cdk deploy -c plain_release=off`: the readers that skip an unnamed note
            # first; refused as 154's until the stage records order_layout 225; off with 154's switch)
            **({plain_release.SWITCH_ENV: "0"} if plain_release_off(self, settings.name) else {}),
        }
        self.shared_layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            code=lambda_.Code.from_asset(str(stage_shared_layer())),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="oms domain library (shared/), importable as `shared`",
        )
        # Powertools and pydantic come from the AWS-managed layer: not in our bundle, and the
        # same build AWS tests on this runtime and architecture.
        self.powertools_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            powertools_layer_arn(Stack.of(self).region, settings.powertools_layer_version),
        )
        self.functions: dict[str, lambda_.Function] = {
            spec.key: self._function(spec) for spec in topology.FUNCTIONS
        }
        # What callers invoke (state machine tasks, event source mappings, API integrations,
        # schedule targets, their permissions): a SnapStart function's alias, for a snapshot
        # serves only a published version (decision 200); any other function unqualified.
        self.aliases: dict[str, lambda_.Alias] = {key: self._alias(key) for key in topology.SNAPSTART_FUNCTIONS}
        self.invoked: dict[str, lambda_.IFunction] = {key: self.aliases.get(key, fn) for key, fn in self.functions.items()}

    def _alias(self, key: str) -> lambda_.Alias:
        """The alias every caller of a SnapStart function invokes, on the version this deploy
        published (a new one whenever the code, a layer or the configuration changes; the
        replaced version is deleted once the stack update succeeds, so one snapshot per function
        is cached and billed)."""
        Annotations.of(self.functions[key]).acknowledge_warning(
            "@aws-cdk/aws-lambda:snapStartRequirePublish", "the function's alias publishes its current version here"
        )
        return lambda_.Alias(
            self,
            f"{pascal(key)}Alias",
            alias_name=topology.SNAPSTART_ALIAS,
            version=self.functions[key].current_version,
            description=f"What every caller of {key} invokes: the version this deploy published",
        )

    def _function(self, spec: topology.Function) -> lambda_.Function:
        settings = self._settings
        name = pascal(spec.key)
        function_name = f"{settings.stack_name}-{spec.key.replace('_', '-')}"
        log_group = logs.LogGroup(
            self,
            f"{name}Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        # Our own role instead of AWSLambdaBasicExecutionRole: it may write to its own log
        # group only, and every other permission comes from a grant in infra/wiring.py.
        role = iam.Role(
            self,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            # IAM descriptions accept Latin-1 only; topology descriptions may hold Chinese terms.
            description=f"Execution role of the {function_name} function",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            f"{name}Function",
            function_name=function_name,
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(str(spec.directory), exclude=CODE_EXCLUDES),
            handler=lambda_handler(spec),
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            role=role,
            log_group=log_group,
            # JSON (Powertools writes JSON anyway) so that Lambda can filter by level: the
            # platform's INFO lines are dropped (topology.LAMBDA_SYSTEM_LOG_LEVEL, decision 160).
            logging_format=lambda_.LoggingFormat.JSON,
            system_log_level_v2=lambda_.SystemLogLevel[topology.LAMBDA_SYSTEM_LOG_LEVEL],
            # Lambda's own filter never above INFO: the metric lines (EMF) carry no level, so Lambda
            # classes them INFO and a WARN filter would drop every metric and the alarms built on
            # them. A stage's higher LOG_LEVEL still applies inside Powertools' Logger.
            application_log_level_v2=lambda_.ApplicationLogLevel[application_log_level(settings.log_level)],
            tracing=lambda_.Tracing.ACTIVE,
            # A published version of a SnapStart function is initialised once and snapshotted;
            # new environments resume from it (decision 200). Off in a stage that says so
            # (cdk.json `snapstart`), where the alias still points at a plain version.
            snap_start=(
                lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS
                if settings.snapstart and spec.key in topology.SNAPSTART_FUNCTIONS
                else None
            ),
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
            layers=[self.shared_layer, self.powertools_layer],
            environment={
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": SERVICE_NAME,
                "LOG_LEVEL": settings.log_level,
                "OMS_ENV": settings.name,
                **topology.function_settings(spec, settings.name),
                # The environment's notice sender (cdk.json notice_email_from, decision 138).
                **({"NOTICE_EMAIL_FROM": settings.notice_email_from} if spec.key in topology.CUSTOMER_MESSAGING_FUNCTIONS else {}),
                **self._layout_switches,
                # The services whose models the snapshot holds (shared/snapstart.py, decision 200).
                **(
                    {snapstart.SERVICES_ENV: ",".join(topology.aws_services(spec))}
                    if settings.snapstart and spec.key in topology.SNAPSTART_FUNCTIONS
                    else {}
                ),
            },
        )
        mark(function, spec.key)
        acknowledge(
            role,
            "IAM5",
            "X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not "
            "support resource-level permissions, so the resource must be '*'.",
            "Resource::*",
        )
        acknowledge(
            function,
            "L1",
            "Python 3.12 is pinned on purpose: it matches the AWS-managed Powertools layer build "
            "(python312) and the dependency pins we test with. Moving to a newer runtime is a "
            "one-line change of RUNTIME in infra/functions.py, done together with the layer.",
        )
        return function
