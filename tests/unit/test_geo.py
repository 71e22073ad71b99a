import pytest

from shared.geo import distance_km, find_province


@pytest.mark.parametrize(("name", "code"), [("上海", "31"), ("上海市", "31"), ("Shanghai", "31"), ("guangxi", "45"), ("广西壮族自治区", "45"), ("广西", "45"), ("31", "31")])
def test_province_names_as_channels_write_them(name, code):
    assert find_province(name).code == code


def test_unknown_province_is_none():
    assert find_province("Ontario") is None


def test_distance_shanghai_beijing_is_about_1070_km():
    sh, bj = find_province("上海"), find_province("北京")
    assert 1050 < distance_km(sh.lat, sh.lon, bj.lat, bj.lon) < 1090
