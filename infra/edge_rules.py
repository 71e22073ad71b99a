"""WAF rules beside the size limits (infra/request_size.py): AWS's managed rule groups for
common exploits and known bad inputs, and a rate-based rule per client IP.

The platforms push a promotion's orders from a few IP addresses (Tmall's, JD's, Douyin's
servers), so a per-IP rate far below the peak would refuse the orders that pay: the limit lets
one address use the whole stage throttle (cdk.json api_throttle_rate_limit) for the rule's
5-minute window and no more. The managed common rule set's body-size rule is counted, not
blocking: each route's own size limit (413 with the documented error shape) applies instead.
"""

from __future__ import annotations

from aws_cdk import aws_wafv2 as wafv2

MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
RATE_WINDOW_SECONDS = 300
# Rules of the common rule set that our own routes' limits replace (counted, not blocking).
COUNTED_INSTEAD = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}


def rate_limit_per_ip(stage_rate_per_second: float) -> int:
    return max(100, int(stage_rate_per_second * RATE_WINDOW_SECONDS))


def edge_rules(first_priority: int, stage_rate_per_second: float, name: str) -> list[wafv2.CfnWebACL.RuleProperty]:
    rules = []
    for offset, group in enumerate(MANAGED_RULE_GROUPS):
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=first_priority + offset,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name=group,
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}))
                            for rule in COUNTED_INSTEAD.get(group, ())
                        ]
                        or None,
                    )
                ),
                visibility_config=_visibility(f"{name}-{group}"),
            )
        )
    rules.append(
        wafv2.CfnWebACL.RuleProperty(
            name="RatePerClientIp",
            priority=first_priority + len(MANAGED_RULE_GROUPS),
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP",
                    limit=rate_limit_per_ip(stage_rate_per_second),
                    evaluation_window_sec=RATE_WINDOW_SECONDS,
                )
            ),
            visibility_config=_visibility(f"{name}-rate-per-ip"),
        )
    )
    return rules


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True)
