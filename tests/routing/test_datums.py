"""WGS-84 / GCJ-02 / BD-09 conversions against reference points published with two widely used
open-source implementations (eviltransform's WGS/GCJ test vectors; coordtransform's documented example at
116.404, 39.915).

eviltransform's BD-09 vectors are left out: they disagree with Baidu's published formula (and with
coordtransform) by 10-40 m, so they test an older variant rather than the datum.
"""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from routing.datums import (
    Datum,
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_offset_region,
    to_wgs84,
    wgs84_to_gcj02,
)

# (WGS-84 lat, lon), (GCJ-02 lat, lon): Shanghai, Shenzhen, Beijing.
WGS_GCJ = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
]
# GCJ-02 (39.915, 116.404) <-> BD-09, in both directions.
GCJ_TO_BD = ((39.915, 116.404), (39.92133699351021, 116.41036949371029))
BD_TO_GCJ = ((39.915, 116.404), (39.90865673957631, 116.39762729119315))


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(geodesic(a, b).m)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_wgs84_to_gcj02_matches_the_reference(wgs: tuple[float, float], gcj: tuple[float, float]) -> None:
    lat, lon = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-8)
    assert lon == pytest.approx(gcj[1], abs=1e-8)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_gcj02_to_wgs84_recovers_the_gps_position(wgs: tuple[float, float], gcj: tuple[float, float]) -> None:
    back = gcj02_to_wgs84(*gcj)
    assert metres(back, wgs) < 0.01, "the iterative inverse is exact to well under a centimetre"
    assert to_wgs84(gcj[0], gcj[1], "gcj02") == back


def test_bd09_and_gcj02_match_the_reference_both_ways() -> None:
    assert gcj02_to_bd09(*GCJ_TO_BD[0]) == pytest.approx(GCJ_TO_BD[1], abs=1e-9)
    assert bd09_to_gcj02(*BD_TO_GCJ[0]) == pytest.approx(BD_TO_GCJ[1], abs=1e-9)


@pytest.mark.parametrize("datum", list(Datum))
def test_round_trips(datum: Datum) -> None:
    # Baidu's own BD-09 inverse is approximate (~0.1 m); GCJ-02 is inverted exactly.
    tolerance_m = 0.5 if datum is Datum.BD09 else 0.01
    for wgs in [(29.8683, 121.5440), (43.8256, 87.6168), (18.2528, 109.5119)]:
        assert metres(to_wgs84(*from_wgs84(*wgs, datum), datum), wgs) < tolerance_m


def test_a_baidu_point_lands_where_the_gps_was() -> None:
    ningbo = (29.8683, 121.5440)
    bd = from_wgs84(*ningbo, Datum.BD09)
    assert 500 < metres(bd, ningbo) < 2000, "BD-09 is visibly off before conversion"
    assert metres(to_wgs84(*bd, "bd09"), ningbo) < 0.5


def test_the_offset_is_hundreds_of_metres_in_china_and_absent_abroad() -> None:
    ningbo = (29.8683, 121.5440)
    assert 100 < metres(wgs84_to_gcj02(*ningbo), ningbo) < 1000
    tokyo = (35.68, 139.69)
    assert not in_offset_region(*tokyo)
    assert wgs84_to_gcj02(*tokyo) == tokyo and gcj02_to_wgs84(*tokyo) == tokyo
