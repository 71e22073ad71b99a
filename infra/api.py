"""A REST API: one Lambda proxy integration per route given (topology.ROUTES split by caller: the
channels' and operations tools' API, and the console's API with its Cognito authorizer); per
channel an API key and a usage plan (or, for a channel that cannot send a key, a method throttle);
the request size limit at the edge (infra/request_size.py).

Each function gets ONE invoke permission per API (scoped to that API's ARN), not two per method:
a method added costs a method and perhaps a resource, never a Lambda::Permission (decision 71)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import topology
from infra.config import EnvironmentSettings
from infra.nag import acknowledge
from infra.naming import pascal
from infra.request_size import RequestSizeGuard

_AUTHORIZATION = {
    "NONE": apigw.AuthorizationType.NONE,
    "IAM": apigw.AuthorizationType.IAM,
    "COGNITO": apigw.AuthorizationType.COGNITO,
}


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: EnvironmentSettings,
        functions: dict[str, lambda_.IFunction],
        routes: tuple[topology.Route, ...],
        name: str,
        description: str,
        user_pool: cognito.IUserPool | None = None,
        owns_account_role: bool = True,
    ) -> None:
        super().__init__(scope, id_)
        self.routes = routes
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=name,
            description=description,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The role lets API Gateway write execution logs; it is an account-wide setting, so
            # it outlives any one environment's stack; one API of the stack sets it.
            cloud_watch_role=owns_account_role,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN if owns_account_role else None,
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
                method_options=_keyless_throttles(settings, routes),
            ),
        )
        # The console's API: API Gateway checks the user's Cognito ID token; the handlers read
        # its groups (supervisor-only actions are refused there with 403).
        self.console_authorizer = (
            apigw.CognitoUserPoolsAuthorizer(
                self, "ConsoleAuthorizer", cognito_user_pools=[user_pool], authorizer_name=f"{settings.stack_name}-console-users"
            )
            if user_pool is not None
            else None
        )
        self.methods: dict[tuple[str, str], apigw.Method] = {}
        for route in routes:
            self.methods[(route.method, route.path)] = self._add_route(route, functions)
        clients = {route.client for route in routes if route.client is not None}
        self.usage_plans = {
            client.key: self._add_usage_plan(client, settings)
            for client in topology.API_CLIENTS
            if client.sends_api_key and client.key in clients
        }
        self.size_guard = RequestSizeGuard(
            self,
            "RequestSizeGuard",
            stage=self.rest_api.deployment_stage,
            name=f"{name}-api" if name == settings.stack_name else name,
            routes=routes,
            stage_rate_per_second=settings.api_throttle_rate_limit,
        )
        self._acknowledge_api_findings(owns_account_role)

    def _add_route(
        self, route: topology.Route, functions: dict[str, lambda_.IFunction]
    ) -> apigw.Method:
        if route.authorization not in _AUTHORIZATION:
            raise ValueError(
                f"route {route.method} {route.path}: authorization must be one of "
                f"{sorted(_AUTHORIZATION)}, not {route.authorization!r}"
            )
        resource = self.rest_api.root.resource_for_path(route.path)
        method = resource.add_method(
            route.method,
            # One invoke permission per function for this API (any of its methods, the console's
            # test included): per-method permissions were two resources per route (decisions 66-71).
            apigw.LambdaIntegration(functions[route.function], scope_permission_to_method=False),
            authorization_type=_AUTHORIZATION[route.authorization],
            authorizer=self.console_authorizer if route.authorization == "COGNITO" else None,
            api_key_required=_requires_api_key(route),
        )
        if route.authorization == "NONE":
            acknowledge(
                method,
                "APIG4",
                "Channels are systems, not users: a webhook route checks the shop's HMAC-SHA256 "
                "signature over the raw body in the handler (401 otherwise); the own API and the "
                "ERP import need their channel's API key.",
            )
            acknowledge(
                method,
                "COG4",
                "Channels are systems, not Cognito users; they authenticate with per-shop HMAC "
                "signatures (webhooks) or their channel's API key.",
            )
        elif route.authorization == "IAM":
            acknowledge(
                method,
                "COG4",
                "This route uses IAM (SigV4) authorization: its callers are operations tools with "
                "AWS credentials, not Cognito users.",
            )
        return method

    def _add_usage_plan(self, client: topology.ApiClient, settings: EnvironmentSettings) -> apigw.UsagePlan:
        key = self.rest_api.add_api_key(
            f"{pascal(client.key)}ApiKey",
            api_key_name=f"{settings.stack_name}-{client.key}",
            description=f"API key of {client.description}",
        )
        rate, burst = _share(settings, client)
        plan = self.rest_api.add_usage_plan(
            f"{pascal(client.key)}UsagePlan",
            name=f"{settings.stack_name}-{client.key}",
            description=f"Throttle of {client.description}",
            throttle=apigw.ThrottleSettings(rate_limit=rate, burst_limit=burst),
            api_stages=[apigw.UsagePlanPerApiStage(api=self.rest_api, stage=self.rest_api.deployment_stage)],
        )
        plan.add_api_key(key)
        return plan

    def _acknowledge_api_findings(self, owns_account_role: bool) -> None:
        acknowledge(
            self.rest_api,
            "APIG2",
            "Handlers validate every request body with pydantic and answer 400 naming the field "
            "and the rule it broke; an API Gateway model would be a second schema to keep equal.",
        )
        if not owns_account_role:
            return
        cloud_watch_role = self.rest_api.node.find_child("CloudWatchRole")
        acknowledge(
            cloud_watch_role,
            "IAM4",
            "API Gateway's account-level CloudWatch role needs exactly the AWS-managed "
            "AmazonAPIGatewayPushToCloudWatchLogs policy, which AWS keeps current.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs",
        )


def _requires_api_key(route: topology.Route) -> bool:
    return route.client is not None and topology.api_client(route.client).sends_api_key


def _share(settings: EnvironmentSettings, client: topology.ApiClient) -> tuple[float, int]:
    """A channel's part of the stage's throttle (at least 1 request/s and a burst of 1)."""
    rate = max(1.0, round(settings.api_throttle_rate_limit * client.rate_share, 1))
    burst = max(1, round(settings.api_throttle_burst_limit * client.rate_share))
    return rate, burst


def _keyless_throttles(
    settings: EnvironmentSettings, routes: tuple[topology.Route, ...]
) -> dict[str, apigw.MethodDeploymentOptions]:
    """Routes of a channel that sends no API key are throttled per method in the stage instead."""
    throttles = {}
    for route in routes:
        if route.client is None or topology.api_client(route.client).sends_api_key:
            continue
        rate, burst = _share(settings, topology.api_client(route.client))
        throttles[f"{route.path}/{route.method}"] = apigw.MethodDeploymentOptions(
            throttling_rate_limit=rate, throttling_burst_limit=burst
        )
    return throttles
