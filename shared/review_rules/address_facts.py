"""Facts about where the parcel goes and who receives it: completeness, China's divisions for a
domestic address, the destination country's own rules abroad, the phone judged by the plan of
where the parcel goes, the detail line and the name a courier asks for, blacklists and remote
areas. Text is normalised first (full-width forms, province variants, phone formats)."""

from __future__ import annotations

from collections.abc import Callable

from shared.address_checks import detail as details
from shared.address_checks import overseas
from shared.reference import BlacklistKind
from shared.review_rules.subject import Fact, Kind, Subject

ADDRESS_FIELDS_ZH = {"name": "收货人", "phone": "电话", "province": "省份", "city": "城市", "detail": "详细地址"}
# Functional zones buyers write as their district: real places the division table does not list.
_ZONE_WORDS = ("开发区", "高新区", "工业园区", "园区", "新区", "保税区", "高新技术产业开发区", "经济技术开发区", "产业园")


_NEEDED_AT_HOME = tuple(ADDRESS_FIELDS_ZH)
# abroad a region is only needed where the country has them (address.overseas.region says so)
_NEEDED_ABROAD = tuple(f for f in ADDRESS_FIELDS_ZH if f != "province")


def _missing_fields(s: Subject) -> tuple[str, ...]:
    r = s.order.receiver
    if r is None:
        return _NEEDED_AT_HOME
    return tuple([f for f in (_NEEDED_AT_HOME if r.country == "CN" else _NEEDED_ABROAD) if not getattr(r, f).strip()])


def _receiver_text(attribute: str) -> Callable[[Subject], str | None]:
    def extract(s: Subject) -> str | None:
        r = s.order.receiver
        return getattr(r, attribute).strip() or None if r is not None else None

    return extract


def blacklisted(kind: BlacklistKind, value_of: Callable[[Subject], str | None]) -> Callable[[Subject], bool]:
    def extract(s: Subject) -> bool:
        listed = s.context.reference.blacklist.get(kind)
        if not listed:  # nothing of this kind listed (the usual case): no key to compute
            return False
        value = value_of(s)
        return value is not None and value in listed

    return extract


def _remote(s: Subject) -> bool | None:
    codes = s.resolved.codes
    return not s.context.reference.remote_codes.isdisjoint(codes) if codes else None


def _district_is_zone(s: Subject) -> bool | None:
    r = s.order.receiver
    if r is None or not r.district.strip() or s.abroad:
        return None
    return any(word in r.district for word in _ZONE_WORDS)


def _phone_valid(s: Subject) -> bool | None:
    # a placeholder is the placeholder rule's: one finding says what is wrong
    return None if s.phone is None or s.phone.placeholder else s.phone.valid


def _phone_placeholder(s: Subject) -> bool | None:
    return None if s.phone is None else s.phone.placeholder


def _detail_problem(s: Subject) -> str | None:
    r = s.order.receiver
    return None if r is None else details.detail_problem(r.detail)


def _name_readable(s: Subject) -> bool | None:
    r = s.order.receiver
    return None if r is None else details.name_readable(r.name)


def _abroad(check: Callable[[str, str], bool | None], attribute: str) -> Callable[[Subject], bool | None]:
    def extract(s: Subject) -> bool | None:
        r = s.order.receiver
        return check(r.country, getattr(r, attribute) or "") if r is not None and s.abroad else None

    return extract


ADDRESS_FACTS = (
    Fact("address.missing_fields", Kind.TEXT_LIST, "Required address parts that are empty (abroad, the region only where the country has them)", _missing_fields, zh_items=ADDRESS_FIELDS_ZH, costly=True),
    Fact("address.country", Kind.TEXT, "Destination country (ISO 3166-1 alpha-2; CN by default)", lambda s: s.order.receiver.country if s.order.receiver else None),
    Fact("address.abroad", Kind.BOOL, "The destination country is not China (CN)", lambda s: s.abroad if s.order.receiver else None),
    Fact("address.province", Kind.TEXT, "Province (or state abroad) as written", _receiver_text("province")),
    Fact("address.city", Kind.TEXT, "City as written", _receiver_text("city")),
    Fact("address.district", Kind.TEXT, "District as written", _receiver_text("district")),
    Fact("address.province_known", Kind.BOOL, "The province is a Chinese provincial-level division, variants included (domestic only)", lambda s: s.resolved.province_known),
    Fact("address.city_matches_province", Kind.BOOL, "The city exists in that province (domestic only)", lambda s: s.resolved.city_matches_province),
    Fact("address.district_matches_city", Kind.BOOL, "The district exists in that city (domestic only)", lambda s: s.resolved.district_matches_city),
    Fact("address.district_is_zone", Kind.BOOL, "The district is a development zone or industrial park (开发区, 高新区, 工业园区), not a division", _district_is_zone),
    Fact("address.region_known", Kind.BOOL, "Abroad: the state or province exists in the destination country (where it has a table)", _abroad(overseas.region_known, "province")),
    Fact("address.postal_code_valid", Kind.BOOL, "Abroad: the postal code has the destination country's format (where it has one)", _abroad(overseas.postal_code_valid, "postal_code")),
    Fact("address.remote", Kind.BOOL, "The province, city or district is on the remote-area list", _remote, costly=True),
    Fact("address.blacklisted", Kind.BOOL, "The delivery address is on the address blacklist", blacklisted(BlacklistKind.ADDRESS, lambda s: s.address_key)),
    Fact("address.detail_problem", Kind.CHOICE, "What makes the detail line undeliverable: pickup (门店自提), po_box (邮政信箱), see_note (详见备注), no_place (a bare number)", _detail_problem, choices=tuple(details.PROBLEMS), costly=True),
    Fact("address.name_readable", Kind.BOOL, "The receiver name has a letter of some script (not emoji or symbols only)", _name_readable, costly=True),
    Fact("address.phone", Kind.TEXT, "Receiver phone as written", _receiver_text("phone")),
    Fact("address.phone_valid", Kind.BOOL, "The phone is valid for where the parcel goes: mainland, Hong Kong, Macau, Taiwan or abroad (a country code is judged by its own plan)", _phone_valid),
    Fact("address.phone_placeholder", Kind.BOOL, "The phone is a placeholder: all zeros, one digit repeated, a counting sequence, 138 and zeros", _phone_placeholder),
    Fact("address.phone_blacklisted", Kind.BOOL, "The receiver phone is on the phone blacklist", blacklisted(BlacklistKind.PHONE, lambda s: s.phone_digits)),
)
