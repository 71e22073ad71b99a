"""The WAF's Content-Length rule: its regular expression matches exactly the integers above the
limit, and each route's path regex matches the route (with or without the stage in front)."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from infra import topology
from infra.request_size import integer_greater_than, route_path_regex


@settings(max_examples=300, deadline=None)
@given(limit=st.integers(min_value=0, max_value=10**9), value=st.integers(min_value=0, max_value=10**10), zeros=st.integers(0, 2))
def test_the_regex_matches_exactly_the_integers_above_the_limit(limit, value, zeros):
    pattern = integer_greater_than(limit)
    assert (re.fullmatch(pattern, "0" * zeros + str(value)) is not None) == (value > limit)
    assert len(pattern) <= 200  # WAF's limit for one regular expression


def test_the_limit_itself_and_its_neighbours():
    pattern = integer_greater_than(262_144)
    assert [bool(re.fullmatch(pattern, str(n))) for n in (262_143, 262_144, 262_145, 999_999, 1_000_000)] == [False, False, True, True, True]


def test_route_path_regexes_match_their_routes_on_the_stage_url_and_nothing_else():
    shopify = route_path_regex("/channels/shopify/{shop}/orders")
    assert re.fullmatch(shopify, "/dev/channels/shopify/jsmith.myshopify.com/orders")
    assert re.fullmatch(shopify, "/channels/shopify/jsmith.myshopify.com/orders")
    assert not re.fullmatch(shopify, "/dev/channels/tmall/x/orders")
    assert not re.fullmatch(shopify, "/dev/channels/shopify/a/b/orders")
    for route in topology.ROUTES:
        concrete = route.path.replace("{shop}", "s1").replace("{order_id}", "OMS-1")
        assert re.fullmatch(route_path_regex(route.path), f"/prod{concrete}")
