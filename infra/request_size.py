"""The request size limit at the edge: a WAF web ACL on the API stage refuses (413) a request to a
route whose Content-Length is above the route's limit (topology.Route.max_body_bytes), before
API Gateway invokes anything. The handler checks the same limit on the bytes it receives (a
chunked request has no Content-Length). WAF inspects only 64 KB of an API Gateway body, so the
header, not the body, is what the rule reads; a regular expression can compare it because it
only has to say "more digits, or the same number of digits and larger"."""

from __future__ import annotations

import json
import re

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import topology
from infra.edge_rules import edge_rules
from shared.problems import NOTHING_STORED

TOO_LARGE = "too_large"


def integer_greater_than(limit: int) -> str:
    """A regular expression matching the decimal integers above `limit` (leading zeros allowed)."""
    digits = str(limit)
    alternatives = [rf"[1-9]\d{{{len(digits)},}}"]  # more digits than the limit
    for position, digit in enumerate(digits):
        if digit != "9":  # same digits up to here, then a larger one, then any digits
            rest = len(digits) - position - 1
            alternatives.append(f"{digits[:position]}[{int(digit) + 1}-9]" + (rf"\d{{{rest}}}" if rest else ""))
    return rf"^0*(?:{'|'.join(alternatives)})$"


def route_path_regex(path: str) -> str:
    """The route's path as WAF sees it: after the stage name when called on the stage's URL."""
    pattern = "/".join("[^/]+" if re.fullmatch(r"\{\w+\}", part) else re.escape(part) for part in path.split("/"))
    return rf"^(?:/[^/]+)?{pattern}/?$"


class RequestSizeGuard(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        stage: apigw.Stage,
        name: str,
        routes: tuple[topology.Route, ...] = topology.ROUTES,
        stage_rate_per_second: float = 1000.0,
    ) -> None:
        super().__init__(scope, id_)
        limited = [route for route in routes if route.max_body_bytes]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            custom_response_bodies={
                TOO_LARGE: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=json.dumps(
                        {"message": NOTHING_STORED, "errors": [{"field": "body", "rule": "max_size", "message": "the body is larger than this route takes"}]}
                    ),
                )
            },
            rules=[_size_rule(route, priority) for priority, route in enumerate(limited)]
            + edge_rules(len(limited), stage_rate_per_second, name),
        )
        wafv2.CfnWebACLAssociation(self, "StageAssociation", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn)


def _size_rule(route: topology.Route, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    assert route.max_body_bytes is not None
    name = "-".join([route.method.lower(), *re.findall(r"\w+", route.path), "max-body"])
    none = [wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")]
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(response_code=413, custom_response_body_key=TOO_LARGE)
            )
        ),
        statement=wafv2.CfnWebACL.StatementProperty(
            and_statement=wafv2.CfnWebACL.AndStatementProperty(
                statements=[
                    wafv2.CfnWebACL.StatementProperty(
                        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(method={}),
                            positional_constraint="EXACTLY",
                            search_string=route.method,
                            text_transformations=none,
                        )
                    ),
                    wafv2.CfnWebACL.StatementProperty(
                        regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                            regex_string=route_path_regex(route.path),
                            text_transformations=none,
                        )
                    ),
                    wafv2.CfnWebACL.StatementProperty(
                        regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                            # single_header is untyped in CDK: CloudFormation's own shape.
                            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": "content-length"}),
                            regex_string=integer_greater_than(route.max_body_bytes),
                            text_transformations=none,
                        )
                    ),
                ]
            )
        ),
        visibility_config=_visibility(name),
    )


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )
