"""Places, names and phones as receivers write them, for the labelled review set: real divisions
from the shipped table, real overseas cities with their postal codes and phone formats, and the
spellings channels actually send (short provinces, 市辖区, full-width digits, +86, extensions)."""

from __future__ import annotations

import random

from shared.divisions import cities
from shared.geo import find_province

NAMES = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄晓明", "周杰", "吴婷", "欧阳娜娜", "司马光")
LATIN_NAMES = ("Tom Li", "Emily Chen", "John Smith", "Maria Garcia", "Kenji Sato", "Anna Müller", "Olivia Brown")
STREETS = ("人民路", "中山路", "解放大道", "建设路", "和平街", "长江路", "文化路", "滨江大道", "文三路", "学院路")
CURRENCY = {"US": "USD", "CA": "CAD", "GB": "GBP", "DE": "EUR", "JP": "JPY", "AU": "AUD"}
_MUNICIPALITIES = {"11": "北京", "12": "天津", "31": "上海", "50": "重庆"}


def _places() -> list[tuple[str, str, str]]:
    return [
        (code, city.name, district.name)
        for code, province_cities in sorted(cities().items())
        if code not in {"54", "63", "65", "11", "12", "31", "50"}
        for city in province_cities
        for district in city.districts
    ]


_PLACES = _places()


def detail(r: random.Random) -> str:
    return f"{r.choice(STREETS)}{r.randrange(1, 999)}号 {r.randrange(1, 30)}栋{r.randrange(101, 2999)}室"


def domestic(r: random.Random) -> dict[str, str]:
    code, city, district = r.choice(_PLACES)
    province = find_province(code).name_zh
    if r.random() < 0.4:
        province = province.removesuffix("省").removesuffix("市")
    if r.random() < 0.3:
        city = city.removesuffix("市")
    return {"province": province, "city": city, "district": district, "detail": detail(r)}


def municipality(r: random.Random) -> dict[str, str]:
    code, name = r.choice(sorted(_MUNICIPALITIES.items()))
    [only] = cities()[code]
    return {"province": r.choice([name, name + "市"]), "city": r.choice(["市辖区", name, name + "市"]), "district": r.choice(only.districts).name}


def province_variant(r: random.Random) -> dict[str, str]:
    province, city, district = r.choice([
        ("内蒙", "呼和浩特市", "新城区"), ("内蒙", "包头", "昆都仑区"), ("广西省", "南宁市", "青秀区"), ("广西壮族", "桂林市", "秀峰区"),
        ("宁夏回族", "银川市", "兴庆区"), ("黑龙江", "哈尔滨", "南岗区"), ("内蒙古自治区", "赤峰市", "红山区"), ("广西省", "柳州", "城中区"),
    ])  # fmt: skip
    return {"province": province, "city": city, "district": district}


def development_zone(r: random.Random) -> dict[str, str]:
    province, city, district = r.choice([
        ("江苏省", "苏州市", "工业园区"), ("四川省", "成都市", "高新区"), ("湖北省", "武汉市", "东湖新技术开发区"),
        ("安徽省", "合肥市", "经济技术开发区"), ("陕西省", "西安市", "高新技术产业开发区"),
    ])  # fmt: skip
    return {"province": province, "city": city, "district": district}


def greater_china(r: random.Random) -> dict[str, str]:
    where = r.choice(["HK", "MO", "TW"])
    if where == "HK":
        phone = r.choice(["+852 9{0:03d} {1:04d}", "852-6{0:03d}{1:04d}", "5{0:03d}{1:04d}"]).format(r.randrange(1000), r.randrange(10_000))
        return {"province": "香港特别行政区", "city": r.choice(["九龙", "香港岛", "新界"]), "district": r.choice(["油尖旺区", "中西区", "沙田区"]), "detail": f"弥敦道{r.randrange(1, 700)}号{r.randrange(2, 30)}楼", "phone": phone}
    if where == "MO":
        phone = r.choice(["+853 6{0:03d} {1:04d}", "(853) 6{0:03d}{1:04d}"]).format(r.randrange(1000), r.randrange(10_000))
        return {"province": "澳门特别行政区", "city": "澳门半岛", "district": "", "detail": f"新马路{r.randrange(1, 200)}号", "phone": phone}
    a, b, c = r.randrange(100), r.randrange(1000), r.randrange(1000)
    phone = r.choice([f"09{a:02d}-{b:03d}-{c:03d}", f"+886 9{a:02d} {b:03d} {c:03d}", f"(02) 2{a:02d}{b % 10}-{c:03d}{a % 10}"])  # Taipei: (02) and 8 digits
    return {"province": "台湾省", "city": "台北市", "district": r.choice(["大安区", "信义区"]), "detail": f"忠孝东路{r.randrange(1, 5)}段{r.randrange(1, 300)}号", "phone": phone}


_OVERSEAS = {
    "US": [("Houston", "TX", "770", "+1 713-555-{0:04d}"), ("Seattle", "WA", "981", "(206) 555-{0:04d}"), ("New York", "NY", "100", "+1 212 555 {0:04d}"), ("San Francisco", "CA", "941", "415-555-{0:04d}")],
    "CA": [("Toronto", "ON", "M5V 2T6", "+1 416-555-{0:04d}"), ("Vancouver", "BC", "V6B 1A1", "604-555-{0:04d}")],
    "GB": [("London", "", "SW1A 1AA", "+44 20 7946 {0:04d}"), ("Manchester", "", "M1 1AE", "+44 161 496 {0:04d}")],
    "DE": [("Berlin", "Berlin", "10115", "+49 30 901{0:04d}"), ("München", "Bayern", "80331", "+49 89 233{0:04d}")],
    "JP": [("千代田区", "東京都", "100-0005", "+81 3-3{0:03d}-1234"), ("大阪市", "大阪府", "530-0001", "+81 6-6{0:03d}-5678")],
    "AU": [("Sydney", "NSW", "2000", "+61 2 9374 {0:04d}"), ("Melbourne", "VIC", "3000", "+61 3 9650 {0:04d}")],
}


def overseas(r: random.Random, country: str) -> dict[str, str]:
    city, region, postal, phone = r.choice(_OVERSEAS[country])
    if country == "US":
        postal += f"{r.randrange(100):02d}"
    return {
        "country": country,
        "province": region,
        "city": city,
        "district": "",
        "detail": f"{r.randrange(1, 9999)} {r.choice(['Main St', 'Baker Street', 'Elm Ave', 'Hauptstraße', 'George St'])}",
        "postal_code": postal,
        "phone": phone.format(r.randrange(10_000) if "{0:04d}" in phone else r.randrange(1000)),
        "currency": CURRENCY[country],
    }


_FULL = {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}


def fullwidth(text: str) -> str:
    return text.translate(_FULL)


def same_phone(r: random.Random, mobile: str) -> str:
    """The same mobile, written another way."""
    return r.choice([f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", f"0086{mobile}", f"86-{mobile}", fullwidth(mobile)])


def phone_format(r: random.Random, mobile: str) -> str:
    return r.choice([
        f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", f"0086{mobile}", f"86-{mobile}",
        f"({r.choice(['0755', '021', '010'])}) {r.randrange(2000, 9000)} {r.randrange(1000, 9999)}",
        f"0{r.choice(['755', '571', '28'])}-{r.randrange(2 * 10**7, 9 * 10**7)}转{r.randrange(100, 999)}",
    ])  # fmt: skip


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(first17: str) -> str:
    """GB 11643 resident ID check character (ISO 7064 MOD 11-2)."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]
