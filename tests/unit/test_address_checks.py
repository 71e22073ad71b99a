"""Addresses as channels write them: phone plans by destination, placeholders, detail lines,
overseas regions and postal codes."""

import pytest

from shared.address_checks import detail, overseas, phones
from shared.geo import find_province


@pytest.mark.parametrize(
    ("phone", "region", "valid"),
    [
        ("13912345678", "CN", True), ("+86 139 1234 5678", "CN", True), ("0755-8888 1234 转 806", "CN", True), ("１３９１２３４５６７８", "CN", True),
        ("1391234567", "CN", False), ("91234567", "CN", False), ("+852 9123 4567", "CN", True),
        ("91234567", "HK", True), ("13912345678", "HK", True), ("41234567", "HK", True), ("1234567", "HK", False),
        ("66123456", "MO", True), ("28123456", "MO", True), ("56123456", "MO", False),
        ("0912-345-678", "TW", True), ("(02) 2345-6789", "TW", True), ("+886 912 345 678", "CN", True), ("912345678", "TW", False),
        ("(713) 555-0142", "US", True), ("+1 713 555 0142", "GB", True), ("123-555-0142", "US", False),
        ("+44 20 7946 0958", "GB", True), ("020 7946 0958", "GB", True), ("12", "DE", False),
    ],
)  # fmt: skip
def test_a_phone_is_judged_by_the_plan_of_where_the_parcel_goes(phone, region, valid):
    assert phones.check(phone, region).valid is valid


@pytest.mark.parametrize("phone", ["00000000000", "0000000", "11111111111", "12345678901", "98765432109", "13800000000", "+86 170 0000 0000"])
def test_placeholders_are_told_apart_and_never_valid(phone):
    checked = phones.check(phone)
    assert checked.placeholder and not checked.valid


def test_hong_kong_macau_and_taiwan_written_as_provinces_use_their_own_plans():
    assert [phones.region_of("CN", code) for code in ("81", "82", "71", "44", None)] == ["HK", "MO", "TW", "CN", "CN"]
    assert phones.region_of("US", None) == "US"


@pytest.mark.parametrize(
    ("text", "problem"),
    [("门店自提", "pickup"), ("请到店取货", "pickup"), ("邮政信箱 第88号", "po_box"), ("PO BOX 77", "po_box"), ("详见订单备注", "see_note"), ("见留言", "see_note"),
     ("123", "no_place"), ("1-2", "no_place"), ("8栋", "no_place"), ("人民路12号3栋", None), ("1200 Main St", None), ("Boxhagener Str. 5", None), ("", None)],
)  # fmt: skip
def test_the_detail_line_says_what_makes_it_undeliverable(text, problem):
    assert detail.detail_problem(text) == problem


def test_overseas_regions_and_postal_codes_by_country():
    assert [overseas.region_known("US", r) for r in ("TX", "Texas", "texas", "Texsa", "")] == [True, True, True, False, False]
    assert overseas.region_known("JP", "東京都") and overseas.region_known("DE", "Bayern") and overseas.region_known("CA", "ON")
    assert overseas.region_known("GB", "") is None  # no regions on British addresses: not judged
    assert [overseas.postal_code_valid("US", z) for z in ("77002", "77002-1234", "7700", None)] == [True, True, False, False]
    assert overseas.postal_code_valid("CA", "k2p 1l4") and overseas.postal_code_valid("GB", "SW1A 1AA") and overseas.postal_code_valid("JP", "100-0005")
    assert overseas.postal_code_valid("NZ", "6011") is None


@pytest.mark.parametrize(("written", "code"), [("内蒙", "15"), ("内蒙古自治区", "15"), ("广西省", "45"), ("广西壮族", "45"), ("宁夏回族", "64"), ("新疆维吾尔", "65"), ("上海市", "31"), ("Ｓｈａｎｇｈａｉ", "31")])
def test_province_variants_are_found(written, code):
    assert find_province(written).code == code
