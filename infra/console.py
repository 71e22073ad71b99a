"""The operations console on AWS: its users (a Cognito user pool with the groups operator and
supervisor) and its site (the built files in S3 behind CloudFront, with the API's console route
family behind the same distribution, so the browser talks to one origin).

After `cdk deploy`, `make deploy-console` builds console/web, uploads it with the
console-config.json the stack's outputs describe (Cognito domain and client id), and
invalidates the distribution."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import EnvironmentSettings
from infra.nag import acknowledge
from shared.operations.access import CONSOLE_PREFIX, GROUPS


class ConsoleUsers(Construct):
    """Operations people, invited by an administrator (no self sign-up), in group operator or
    supervisor; API Gateway's user-pool authorizer accepts their ID tokens on /console/..."""

    def __init__(self, scope: Construct, id_: str, *, settings: EnvironmentSettings) -> None:
        super().__init__(scope, id_)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"{settings.stack_name}-console",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            password_policy=cognito.PasswordPolicy(min_length=12, require_digits=True, require_lowercase=True, require_uppercase=True, require_symbols=True),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=settings.removal_policy if settings.removal_policy != RemovalPolicy.SNAPSHOT else RemovalPolicy.RETAIN,
        )
        for group in GROUPS:
            cognito.CfnUserPoolGroup(
                self,
                f"{group.title()}Group",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=group,
                description="Sees every order and works the queues" if group == "operator" else "Also changes the review rules in force",
            )
        self.domain = self.user_pool.add_domain(
            "HostedSignIn", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"{settings.stack_name}-console".lower())
        )
        acknowledge(
            self.user_pool,
            "COG2",
            "MFA is optional (TOTP) for console users: the console reads orders and works queues; "
            "the rules in force change only for the supervisor group and every change is audited.",
        )
        acknowledge(
            self.user_pool,
            "COG8",
            "The Plus feature plan (threat protection) is billed per monthly active user; a few "
            "invited operations staff with no self sign-up, a 12-character password policy and "
            "optional TOTP do not need it. Revisit if the console opens to partners.",
        )


class ConsoleSite(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: EnvironmentSettings,
        rest_api: apigw.RestApi,
        user_pool: cognito.UserPool,
        bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, id_)
        api_origin = origins.RestApiOrigin(rest_api)
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{settings.stack_name} operations console",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            ),
            additional_behaviors={
                f"{CONSOLE_PREFIX}/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                )
            },
            # The single-page app routes in the URL fragment; a deep link still gets the app.
            error_responses=[cloudfront.ErrorResponse(http_status=403, response_http_status=200, response_page_path="/index.html", ttl=Duration.seconds(0))],
        )
        site = f"https://{self.distribution.distribution_domain_name}/"
        self.client = user_pool.add_client(
            "ConsoleClient",
            user_pool_client_name=f"{settings.stack_name}-console",
            generate_secret=False,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(implicit_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[site],
                logout_urls=[site],
            ),
            id_token_validity=Duration.hours(8),
            access_token_validity=Duration.hours(8),
        )
        CfnOutput(self, "ConsoleUrl", value=site, description="The operations console")
        CfnOutput(self, "ConsoleBucketName", value=bucket.bucket_name, description="make deploy-console uploads console/web/dist here")
        CfnOutput(self, "ConsoleDistributionId", value=self.distribution.distribution_id)
        CfnOutput(self, "ConsoleUserPoolClientId", value=self.client.user_pool_client_id)
        CfnOutput(self, "ConsoleCognitoDomain", value=f"{user_pool.node.find_child('HostedSignIn').domain_name}.auth.{user_pool.stack.region}.amazoncognito.com")
        acknowledge(
            self.distribution,
            "CFR1",
            "Operations staff work from several countries and travel: no geographic restriction; "
            "every API call behind the distribution needs a Cognito token.",
        )
        acknowledge(
            self.distribution,
            "CFR2",
            "The API behind the distribution already sits behind the stage's WAF (request size "
            "guard) and Cognito; the static files are public by nature.",
        )
        acknowledge(
            self.distribution,
            "CFR3",
            "API calls are logged by API Gateway's access log (with the Cognito user); logging "
            "static file downloads would answer no operations question.",
        )
        acknowledge(
            self.distribution,
            "CFR4",
            "The distribution uses CloudFront's default certificate (*.cloudfront.net), which "
            "allows TLSv1 at the viewer; a custom domain with its own certificate lifts it to "
            "TLS 1.2 (set minimum_protocol_version with the certificate).",
        )
