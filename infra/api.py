"""The REST API: one Lambda proxy integration per route of topology.ROUTES."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.nag import acknowledge

_AUTHORIZATION = {
    "NONE": apigw.AuthorizationType.NONE,
    "IAM": apigw.AuthorizationType.IAM,
}


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: EnvironmentSettings,
        functions: dict[str, lambda_.Function],
    ) -> None:
        super().__init__(scope, id_)
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=settings.stack_name,
            description="oms: channel order intake and the operations API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The role lets API Gateway write execution logs; it is an account-wide setting, so
            # it outlives any one environment's stack.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=settings.name,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                # Request bodies hold customer addresses: keep them out of execution logs.
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                # Stage-wide ceiling, sized per environment for promotion peaks (cdk.json).
                throttling_rate_limit=settings.api_throttle_rate_limit,
                throttling_burst_limit=settings.api_throttle_burst_limit,
            ),
        )
        self.methods: dict[tuple[str, str], apigw.Method] = {}
        for route in topology.ROUTES:
            self.methods[(route.method, route.path)] = self._add_route(route, functions)
        self._acknowledge_api_findings()

    def _add_route(
        self, route: topology.Route, functions: dict[str, lambda_.Function]
    ) -> apigw.Method:
        if route.authorization not in _AUTHORIZATION:
            raise ValueError(
                f"route {route.method} {route.path}: authorization must be one of "
                f"{sorted(_AUTHORIZATION)}, not {route.authorization!r}"
            )
        resource = self.rest_api.root.resource_for_path(route.path)
        method = resource.add_method(
            route.method,
            apigw.LambdaIntegration(functions[route.function]),
            authorization_type=_AUTHORIZATION[route.authorization],
        )
        if route.authorization == "NONE":
            acknowledge(
                method,
                "APIG4",
                "Channel order intake is public on purpose for now: channel authentication "
                "(API keys per channel, HMAC signatures on webhooks) arrives in a later issue.",
            )
            acknowledge(
                method,
                "COG4",
                "Channels are systems, not Cognito users; they will authenticate with API keys "
                "and webhook HMAC signatures (later issue).",
            )
        else:
            acknowledge(
                method,
                "COG4",
                "This route uses IAM (SigV4) authorization: its callers are operations tools with "
                "AWS credentials, not Cognito users.",
            )
        return method

    def _acknowledge_api_findings(self) -> None:
        acknowledge(
            self.rest_api,
            "APIG2",
            "Handlers validate every request body with pydantic and answer 400 naming the field "
            "and the rule it broke; an API Gateway model would be a second schema to keep equal.",
        )
        acknowledge(
            self.rest_api.deployment_stage,
            "APIG3",
            "No WAF web ACL yet: stage throttling bounds abuse until channel authentication "
            "(later issue) lands; a WAF with rate-based rules is planned with it.",
        )
        cloud_watch_role = self.rest_api.node.find_child("CloudWatchRole")
        acknowledge(
            cloud_watch_role,
            "IAM4",
            "API Gateway's account-level CloudWatch role needs exactly the AWS-managed "
            "AmazonAPIGatewayPushToCloudWatchLogs policy, which AWS keeps current.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs",
        )
