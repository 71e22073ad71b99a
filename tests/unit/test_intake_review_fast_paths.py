"""The shortcuts of decisions 177-178 answer what the full computation answers: a recent order
built on the review's own keys is the one RecentOrder.of builds, a question about recent orders
skipped for an order no recent order shares a buyer or address with finds nothing, and each
text fast path (ASCII-digit phones, the detail line's joint search, the ERP row's formula search)
agrees with the step it skips."""

import unicodedata
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared import phone as phone_module
from shared.address_checks import detail, phones
from shared.address_checks.text import plain
from shared.channels.erp_csv import formula_cells
from shared.orders import OrderIn
from shared.recent_orders import RecentOrder, RecentOrders
from shared.review import ReviewContext
from shared.review_rules.subject import Subject
from shared.spreadsheet import looks_like_formula
from simulation.channels import SimCatalog, intake, payload_of
from simulation.demand import Demand
from simulation.world import load_assumptions, make_world

PHONE_TEXT = st.text(alphabet="0123456789 -()+#转ext.x１２８６\u3000", max_size=20)
DIGITS = st.text(alphabet="0123456789", max_size=16)


def _simulated_orders(count: int) -> list[OrderIn]:
    a = load_assumptions()
    world = make_world(a, count, 13, 8, None)
    catalog = SimCatalog(world)
    return [intake(p.order["channel"], payload_of(p.order, world), catalog) for p in Demand(world, a, 13).day(0, count)]


def test_the_recent_order_a_review_leaves_is_the_one_recent_order_of_builds(shanghai_order):
    orders = _simulated_orders(300)
    orders.append(OrderIn.model_validate({**shanghai_order, "receiver": {**shanghai_order["receiver"], "phone": "+86 138-0013-8000", "detail": " "}}))
    recent = RecentOrders()
    for order in orders:
        subject = Subject(order.order_id, order, ReviewContext.empty())
        subject.recent("duplicates", 60)  # a question asked first leaves its keys behind: the same ones
        assert subject.recent_order("APPROVED") == RecentOrder.of(order.order_id, order, "APPROVED")
        recent.add(subject.recent_order("APPROVED"))
    assert any(r.receiver_key for same_buyer in recent.by_buyer.values() for r in same_buyer)


def test_an_order_sharing_neither_buyer_nor_address_finds_no_recent_order(shanghai_order):
    orders = _simulated_orders(200)
    recent = RecentOrders(RecentOrder.of(o.order_id, o, "RECEIVED") for o in orders[:150])
    at = orders[0].placed_at
    for order in orders:
        s = Subject(order.order_id, order, ReviewContext.empty())
        buyer, address, receiver, lines = s.buyer_key, s.address_key, s.receiver_key, s.lines_key
        answers = (
            recent.duplicates("other", buyer, receiver, address, lines, at, 10**6),
            recent.merge_candidates("other", buyer, receiver, address, at, 10**6),
            recent.same_lines_to_address("other", buyer, receiver, address, lines, at, 10**6),
            recent.to_same_address("other", address, at, 10**6),
        )
        if not recent.any_of(buyer, address):
            assert answers == ((), (), (), ())
    assert recent.any_of(RecentOrder.of("x", orders[0], "RECEIVED").buyer_key, None)
    assert not RecentOrders().any_of("tmall#nobody", "no-address")


def test_a_placed_time_window_still_applies_once_an_order_shares_its_buyer(shanghai_order):
    first = OrderIn.model_validate(shanghai_order)
    later = first.model_copy(update={"external_id": "later", "placed_at": first.placed_at + timedelta(hours=3)})
    s = Subject(later.order_id, later, ReviewContext(ReviewContext.empty().reference, RecentOrders([RecentOrder.of(first.order_id, first, "APPROVED")])))
    assert s.recent("duplicates", 60) == () and s.recent("duplicates", 240) == (first.order_id,)


@settings(max_examples=400, deadline=None)
@given(PHONE_TEXT | DIGITS)
def test_a_phone_of_ascii_digits_skips_normalisation_to_the_same_text(text):
    assert phones._strip(text) == phones._SEPARATORS.sub("", phones._EXTENSION.sub("", plain(text)))
    if text.isdigit() and text.isascii():  # what shared.phone.normalized takes as its own digits
        assert phone_module._SEPARATORS.sub("", phone_module._EXTENSION.sub("", unicodedata.normalize("NFKC", text).strip())) == text


@settings(max_examples=400, deadline=None)
@given(DIGITS, st.sampled_from(["CN", "HK", "MO", "TW", "US", "GB"]))
def test_a_number_without_country_code_is_a_placeholder_exactly_when_its_text_is_one(digits, region):
    checked = phones.check(digits, region)
    if phones._split_country(digits)[0] is None:
        assert checked.placeholder is phones.placeholder(digits)
        assert not (checked.valid and checked.placeholder)


def _pieces(pieces: list[str], most: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=most).map("".join)


DETAIL_TEXT = _pieces([*"自提取到店邮政信箱详请见订单备注留言看地址在 POBXpobx.12号路Rdpostofficeçé", "PO Box", "post office box", "信箱 3"], 24)


@settings(max_examples=600, deadline=None)
@given(DETAIL_TEXT)
def test_the_joint_search_finds_a_detail_line_problem_exactly_when_one_of_the_three_does(text):
    text = plain(text)
    one = any(p.search(text) for p in (detail._PICKUP, detail._PO_BOX, detail._SEE_NOTE))
    assert (detail._ANY_PROBLEM.search(text) is not None) is one


CELL = _pieces([*"=+-@\t\r\x00 a1.()", "+86 138", "-3", "=SUM(A1)"], 8)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(["order_no", "sku", "address", "receiver_phone"]), CELL | st.none(), max_size=4), st.lists(CELL, max_size=2))
def test_the_rows_formula_search_flags_the_cells_the_cell_by_cell_check_flags(record, extra):
    row = dict(record)
    if extra:
        row[None] = extra
    flagged = [p.field for p in formula_cells(row)]
    assert flagged == [c for c, v in row.items() if isinstance(c, str) and isinstance(v, str) and looks_like_formula(v)]


def test_the_fast_paths_are_taken_for_what_most_orders_send():
    assert phones._strip("13912345678") == "13912345678" and phone_module.normalized("13912345678") == "13912345678"
    assert detail._ANY_PROBLEM.search("人民路12号3栋") is None and detail.detail_problem("人民路12号3栋") is None
    assert formula_cells({"order_no": "A-1", "sku": "SKU-1", "address": "人民路 1 号"}) == []
