"""The checks behind the facts: USCC checksum, phone format, China's division table."""

import pytest

from shared import phone, uscc
from shared.divisions import resolve


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "91350100m000100y43 "])
def test_valid_unified_social_credit_codes(code):
    assert uscc.is_valid(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19
        "9135010OM000100Y43",  # letter O is not in the alphabet
        "91A50100M000100Y43",  # the division code must be digits
        "",
    ],
)
def test_invalid_unified_social_credit_codes(code):
    assert not uscc.is_valid(code)


def test_check_character_follows_the_standards_weights():
    assert uscc.WEIGHTS[:5] == (1, 3, 9, 27, 19)
    # Every single-character typo in the first 17 positions is caught.
    code = "91350100M000100Y43"
    for position in range(17):
        for replacement in uscc.ALPHABET:
            if replacement != code[position] and (position not in range(2, 8) or replacement.isdigit()):
                typo = code[:position] + replacement + code[position + 1 :]
                assert not uscc.is_valid(typo), typo


@pytest.mark.parametrize("number", ["13800138000", "+86 138-0013-8000", "008613800138000", "010-62345678", "(0755)8888 8888", "021-12345678转123"])
def test_chinese_mobiles_and_landlines_are_valid(number):
    assert phone.is_valid(number)


@pytest.mark.parametrize("number", ["1380013800", "23800138000", "+1 555-555-5555", "12345678901", "62345678"])
def test_other_numbers_are_not(number):
    assert not phone.is_valid(number)


@pytest.mark.parametrize(
    ("province", "city", "district", "district_code"),
    [
        ("上海市", "上海市", "浦东新区", "310115"),
        ("上海", "市辖区", "徐汇区", "310104"),
        ("Beijing", "Beijing", "海淀区", "110108"),
        ("广东", "广州", "天河区", "440106"),
        ("湖北", "恩施州", "利川市", "422802"),
        ("内蒙古", "阿拉善盟", "阿拉善左旗", "152921"),
    ],
)
def test_addresses_written_loosely_resolve_to_their_division(province, city, district, district_code):
    resolved = resolve(province, city, district)
    assert (resolved.city_matches_province, resolved.district_matches_city, resolved.district_code) == (True, True, district_code)


def test_disagreeing_or_unknown_names_and_what_cannot_be_told():
    assert resolve("Ontario", "Ottawa", "").province_known is False
    assert resolve("浙江省", "广州市", "天河区").city_matches_province is False
    assert resolve("广东", "广州市", "西湖区").district_matches_city is False
    # 东莞 has towns, not districts; 仙桃 is a county-level city under the province: nothing to check.
    assert resolve("广东", "东莞市", "长安镇").district_matches_city is None
    assert resolve("湖北省", "仙桃市", "").city_matches_province is True
    assert resolve("", "", "").province_known is None
