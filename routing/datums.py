"""Conversions between WGS-84 and the Chinese map datums GCJ-02 and BD-09.

Phones report GPS positions in WGS-84; Chinese map apps (Amap, Tencent) show and share GCJ-02, Baidu
shares BD-09. Everything inside the system is WGS-84: convert once, at the edge.

GCJ-02 is WGS-84 plus a published, deterministic offset of a few hundred metres that applies inside
mainland China only. The forward transform is closed-form; the inverse has no closed form, so we solve it
by fixed-point iteration to about a millimetre.
"""

from __future__ import annotations

import math
from enum import StrEnum

# Krasovsky 1940 ellipsoid, which the GCJ-02 offset formula is defined on.
_SEMI_MAJOR_AXIS_M = 6378245.0
_ECCENTRICITY_SQ = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0

# The bounding box the GCJ-02 offset applies in (the formula's own test, not a border).
_CHINA_LAT = (0.8293, 55.8271)
_CHINA_LON = (72.004, 137.8347)

_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_ITERATIONS = 30


class Datum(StrEnum):
    """The coordinate systems a caller may report a position in."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def in_offset_region(lat: float, lon: float) -> bool:
    """True where the GCJ-02 offset applies (a coarse box around mainland China)."""
    return _CHINA_LAT[0] <= lat <= _CHINA_LAT[1] and _CHINA_LON[0] <= lon <= _CHINA_LON[1]


def _offset_lat(dlon: float, dlat: float) -> float:
    ret = -100.0 + 2.0 * dlon + 3.0 * dlat + 0.2 * dlat * dlat + 0.1 * dlon * dlat
    ret += 0.2 * math.sqrt(abs(dlon))
    ret += (20.0 * math.sin(6.0 * dlon * math.pi) + 20.0 * math.sin(2.0 * dlon * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(dlat * math.pi) + 40.0 * math.sin(dlat / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(dlat / 12.0 * math.pi) + 320.0 * math.sin(dlat * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(dlon: float, dlat: float) -> float:
    ret = 300.0 + dlon + 2.0 * dlat + 0.1 * dlon * dlon + 0.1 * dlon * dlat
    ret += 0.1 * math.sqrt(abs(dlon))
    ret += (20.0 * math.sin(6.0 * dlon * math.pi) + 20.0 * math.sin(2.0 * dlon * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(dlon * math.pi) + 40.0 * math.sin(dlon / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(dlon / 12.0 * math.pi) + 300.0 * math.sin(dlon / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj02_offset_deg(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 shift (dlat, dlon) in degrees at a WGS-84 position."""
    dlat = _offset_lat(lon - 105.0, lat - 35.0)
    dlon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _ECCENTRICITY_SQ * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_SEMI_MAJOR_AXIS_M * (1 - _ECCENTRICITY_SQ)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_SEMI_MAJOR_AXIS_M / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Shift a WGS-84 position to GCJ-02; positions outside China are returned unchanged."""
    if not in_offset_region(lat, lon):
        return lat, lon
    dlat, dlon = _gcj02_offset_deg(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Invert `wgs84_to_gcj02` by fixed-point iteration (error well under a centimetre)."""
    if not in_offset_region(lat, lon):
        return lat, lon
    wgs_lat, wgs_lon = lat, lon
    for _ in range(_INVERSE_MAX_ITERATIONS):
        shifted_lat, shifted_lon = wgs84_to_gcj02(wgs_lat, wgs_lon)
        err_lat, err_lon = shifted_lat - lat, shifted_lon - lon
        if abs(err_lat) < _INVERSE_TOLERANCE_DEG and abs(err_lon) < _INVERSE_TOLERANCE_DEG:
            break
        wgs_lat -= err_lat
        wgs_lon -= err_lon
    return wgs_lat, wgs_lon


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Undo Baidu's extra rotation-and-shift on top of GCJ-02."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Apply Baidu's BD-09 transform to a GCJ-02 position."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def to_wgs84(lat: float, lon: float, datum: Datum | str) -> tuple[float, float]:
    """Convert a position reported in `datum` to WGS-84."""
    match Datum(datum):
        case Datum.WGS84:
            return lat, lon
        case Datum.GCJ02:
            return gcj02_to_wgs84(lat, lon)
        case Datum.BD09:
            return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    raise ValueError(f"unknown datum {datum!r}")  # pragma: no cover - StrEnum rejects it first


def from_wgs84(lat: float, lon: float, datum: Datum | str) -> tuple[float, float]:
    """Convert a WGS-84 position to `datum`, e.g. to draw it on a Chinese map."""
    match Datum(datum):
        case Datum.WGS84:
            return lat, lon
        case Datum.GCJ02:
            return wgs84_to_gcj02(lat, lon)
        case Datum.BD09:
            return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
    raise ValueError(f"unknown datum {datum!r}")  # pragma: no cover
