"""The ERP CSV: rows grouped into orders, every bad row reported, a bad row rejects its order only."""

from decimal import Decimal

import pytest

from shared.channels.erp_csv import read_batch
from shared.problems import InputRejected
from tests.channel_samples import csv_sample

HEADER = "order_no,buyer_id,sku,quantity,unit_price,placed_at"


def batch(text: str, max_rows: int = 100):
    return read_batch(text, max_rows)


def refused(text: str, max_rows: int = 100) -> InputRejected:
    with pytest.raises(InputRejected) as caught:
        read_batch(text, max_rows)
    return caught.value


def test_sample_file_groups_rows_into_orders_and_reports_the_bad_row():
    result = batch(csv_sample().decode())
    assert result.rows == 5
    assert [(o.order_no, o.rows) for o in result.orders] == [("SO-2026-005001", [2, 3]), ("SO-2026-005003", [5]), ("SO-2026-005004", [6])]
    [bad] = result.rejected
    assert (bad.row, bad.order_no, bad.errors[0].field, bad.errors[0].rule) == (4, "SO-2026-005002", "quantity", "greater_than_equal")
    first = result.orders[0].channel_order.order
    assert first.buyer.customer_type.value == "B2B" and first.invoice.tax_id == "91330106MA2H7K5X3E"
    assert first.placed_at.isoformat() == "2026-11-11T09:10:00+08:00"  # the ERP's local time
    assert result.orders[0].channel_order.internal_skus


def test_a_bad_row_holds_back_the_rest_of_its_order_and_nothing_else():
    text = f"{HEADER}\nA,B1,SKU-1,1,10.00,2026-11-11 10:00\nA,B1,SKU-2,x,10.00,2026-11-11 10:00\nC,B2,SKU-1,2,5.00,2026-11-11 10:00\n"
    result = batch(text)
    assert [o.order_no for o in result.orders] == ["C"]
    assert {(r.row, r.errors[0].rule) for r in result.rejected} == {(2, "order_incomplete"), (3, "int_parsing")}


def test_an_empty_erp_date_is_reported_on_its_row_and_the_other_orders_go_on():
    # "0001-01-01 00:00:00" (an ERP's empty date) is Beijing time before year 1 in UTC: a row to report, not a crash
    text = f"{HEADER}\nA,B1,SKU-1,1,10.00,0001-01-01 00:00:00\nC,B2,SKU-1,2,5.00,2026-11-11 10:00\n"
    result = batch(text)
    assert [o.order_no for o in result.orders] == ["C"]
    assert [(r.row, r.errors[0].field, r.errors[0].rule) for r in result.rejected] == [(2, "canonical.placed_at", "value_error")]


def test_a_canonical_rule_is_reported_on_the_row_of_its_line():
    text = "order_no,buyer_id,sku,quantity,unit_price,discount,placed_at\nA,B,S1,1,10.00,,2026-11-11 10:00\nA,B,S2,1,10.00,50.00,2026-11-11 10:00\n"
    rejected = {r.row: r for r in batch(text).rejected}
    assert rejected[3].errors[0].field == "canonical.lines.1"  # the discount is above its line
    assert rejected[2].errors[0].rule == "order_incomplete"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "no_header"),
        (HEADER + "\n", "no_rows"),
        ("order_no,buyer_id,sku,quantity,placed_at\nA,B,S,1,2026-11-11 10:00\n", "missing_column"),
        (HEADER + ",qty\nA,B,S,1,1.00,2026-11-11 10:00,1\n", "unknown_column"),
        (HEADER + ",sku\nA,B,S,1,1.00,2026-11-11 10:00,S\n", "duplicate_column"),
        (HEADER + "\nA,B," + "S" * 140_000 + ",1,1.00,2026-11-11 10:00\n", "csv_invalid"),  # a field over csv's limit
    ],
)
def test_an_unusable_file_is_refused_whole(text, rule):
    assert rule in {p.rule for p in refused(text).problems}


def test_too_many_rows_is_413_and_blank_lines_and_a_bom_are_fine():
    rows = "".join(f"O{i},B,S,1,1.00,2026-11-11 10:00\n" for i in range(3))
    assert refused(f"{HEADER}\n{rows}", max_rows=2).status == 413
    result = batch(f"\ufeff{HEADER}\n{rows}\n,,,,,\n")
    assert len(result.orders) == 3 and result.rejected == []


def test_a_row_with_more_values_than_the_header_is_reported():
    [bad] = batch(f"{HEADER}\nA,B,S,1,1.00,2026-11-11 10:00,surplus\n").rejected
    assert bad.errors[0].rule == "too_many_values"


def test_freight_coupon_gift_country_and_the_buyers_id_number_columns():
    header = f"{HEADER},shipping_fee,order_discount,order_total,gift,country,buyer_id_number,cross_border"
    text = (
        f"{header}\n"
        "X1,B9,TEA-PUER-357G,2,298.00,2026-11-11 10:00,12.00,20.00,588.00,,CN,11010519491231002X,true\n"
        "X1,B9,TRAY-BAMBOO-L,1,0.00,2026-11-11 10:00,,,,true,,,\n"
    )
    [order] = batch(text).orders
    canonical = order.channel_order.order
    assert (canonical.shipping_fee, canonical.order_discount, canonical.expected_total, canonical.order_total) == (Decimal("12.00"), Decimal("20.00"), Decimal("588.00"), Decimal("588.00"))
    assert [line.gift for line in canonical.lines] == [False, True]
    assert (canonical.receiver.country, canonical.buyer.id_number, canonical.cross_border) == ("CN", "11010519491231002X", True)


def test_every_demo_b2b_buyer_is_stored_as_b2b():
    for name in ("batch_api.csv", "batch_s3.csv"):
        for entry in batch(csv_sample(name).decode()).orders:
            buyer = entry.channel_order.order.buyer
            assert buyer.customer_type.value == ("B2B" if buyer.buyer_id.startswith("B2B-") else "B2C"), (name, buyer)


def test_a_formula_like_cell_is_flagged_per_row_and_the_order_still_imported():
    text = f"{HEADER},buyer_name,receiver_phone\nA,B1,TEA-LONGJING-250G,1,150.00,2026-11-11 10:00,=HYPERLINK(\"http://x\"),+86 138 0013 8000\nB,B2,TEA-LONGJING-250G,2,150.00,2026-11-11 10:00,-3,@SUM(A1)\n"
    result = batch(text)
    assert [o.order_no for o in result.orders] == ["A", "B"] and result.rejected == []
    assert [(w.row, w.order_no, [(p.field, p.rule) for p in w.warnings]) for w in result.warnings] == [
        (2, "A", [("buyer_name", "formula_like")]),
        (3, "B", [("receiver_phone", "formula_like")]),
    ]
    assert result.orders[0].channel_order.order.buyer.name == '=HYPERLINK("http://x")'  # stored as sent


def test_rows_of_one_order_that_disagree_on_an_order_column_hold_the_order_back():
    """Order columns come from the first row; a later row may leave them blank or repeat them. One
    that gives another address (or buyer, total, time) is refused: oms cannot tell which is right."""
    header = "order_no,buyer_id,province,city,address,sku,quantity,unit_price,placed_at"
    text = (
        f"{header}\n"
        "MX-1,B1,上海,上海市,浦东新区世纪大道100号,SKU-1,1,10.00,2026-11-11 10:00\n"
        "MX-1,B1,北京,北京市,海淀区中关村大街27号,SKU-2,1,10.00,2026-11-11 10:00\n"
        "MX-2,B2,上海,上海市,浦东新区世纪大道100号,SKU-1,1,10.00,2026-11-11 10:00\n"
        "MX-2,B2,,,,SKU-2,2,5.00,2026-11-11 10:00\n"
        "MX-2,B2,上海,上海市,浦东新区世纪大道100号,SKU-3,1,5.00,2026-11-11 10:00\n"
    )
    result = batch(text)
    assert [(o.order_no, o.rows) for o in result.orders] == [("MX-2", [4, 5, 6])]
    by_row = {r.row: r.errors for r in result.rejected}
    assert [e.rule for e in by_row[2]] == ["order_incomplete"]
    assert [(e.field, e.rule) for e in by_row[3]] == [("province", "order_conflict"), ("city", "order_conflict"), ("address", "order_conflict")]
    assert "北京 here but 上海 in row 2" in by_row[3][0].message


def test_an_invoice_tax_id_without_a_title_is_kept_for_review():
    """An ERP row asking a 增值税专用发票 (its tax id) without the invoice title lost the request
    altogether: the order had no invoice and review never held it for the missing title."""
    text = f"{HEADER},invoice_title,invoice_tax_id\nA,B1,SKU-1,1,10.00,2026-11-11 10:00,,91330106MA2H7K5X3E\nC,B2,SKU-1,1,10.00,2026-11-11 10:00,,\n"
    a, c = (o.channel_order.order for o in batch(text).orders)
    assert (a.invoice.kind.value, a.invoice.title, a.invoice.tax_id) == ("vat_special", "", "91330106MA2H7K5X3E")
    assert c.invoice is None


def test_a_row_with_a_line_break_in_a_quoted_cell_is_reported_by_the_line_it_starts_on():
    header = HEADER + ",address"
    text = f'{header}\nA,B1,SKU-1,1,10.00,2026-11-11 10:00,"宜山路700号\nB2栋1201"\n\nC,B2,SKU-1,x,5.00,2026-11-11 10:00,漕河泾\nD,B3,SKU-1,1,5.00,2026-11-11 10:00,"a\nb",extra\n'
    result = batch(text)
    assert [(o.order_no, o.rows) for o in result.orders] == [("A", [2])]  # lines 2-3: its row starts on 2
    assert [(r.row, r.order_no, r.errors[0].rule) for r in result.rejected] == [(5, "C", "int_parsing"), (6, "D", "too_many_values")]  # after the blank line 4
