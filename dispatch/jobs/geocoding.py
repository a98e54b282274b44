"""Where a breakdown is: Chinese addresses to coordinates, and coordinates to their county.

Offline by default: cpca parses "浙江省宁波市宁海县跃龙街道…" into province / city / county and an adcode, and
the division table (``dispatch.geo.divisions``, cpca's coordinates converted from GCJ-02 to WGS-84) gives
the seat of the most precise division found. The precision reached (county, city, province) is returned so
the agent sees how rough the point is. An online geocoder (any geopy service) may be configured for
street-level points; its failures fall back to the offline answer.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from dispatch.errors import InvalidInput
from dispatch.geo.divisions import MUNICIPALITIES, Division, Level, all_divisions, by_adcode
from dispatch.jobs.models import GeocodePrecision
from routing.datums import Datum, in_offset_region, to_wgs84
from routing.geodesy import haversine_km

log = logging.getLogger(__name__)

# A point farther than this from every county seat is not in China (the GCJ-02 box is coarse).
MAX_KM_FROM_A_COUNTY_SEAT = 200.0
_LEVEL_PRECISION = {
    Level.COUNTY: GeocodePrecision.COUNTY,
    Level.CITY: GeocodePrecision.CITY,
    Level.PROVINCE: GeocodePrecision.PROVINCE,
}


@dataclass(frozen=True)
class Place:
    """A WGS-84 point with the administrative divisions it lies in and how precise it is."""

    lat: float
    lon: float
    precision: GeocodePrecision
    province_name: str
    city_adcode: str | None
    county_adcode: str | None
    matched: str  # the division (or online result) the point stands for


class OnlineGeocoder(Protocol):
    """A geopy geocoder (or anything with the same ``geocode`` method)."""

    def geocode(self, query: str, *args: Any, **kwargs: Any) -> Any: ...


def geocode_address(
    address: str, *, online: OnlineGeocoder | None = None, online_datum: Datum = Datum.WGS84
) -> Place:
    """The most precise point for `address`.

    ``InvalidInput`` (field ``location.address``) when neither a county nor a city can be made out: a
    province alone is no place to send a van to.
    """
    offline = _offline(address)
    if online is not None:
        found = _online(online, address, online_datum)
        where = locate_point(*found, strict=False) if found is not None else None
        if where is not None:
            return Place(
                where.lat,
                where.lon,
                GeocodePrecision.STREET,
                where.province_name,
                where.city_adcode,
                where.county_adcode,
                address,
            )
    if offline is None or offline.precision is GeocodePrecision.PROVINCE:
        raise InvalidInput(
            f"无法识别地址“{address}”，请补充省市区县 / "
            "Cannot resolve the address; add province, city or county",
            field="location.address",
        )
    return offline


def locate_point(lat: float, lon: float, *, strict: bool = True) -> Place | None:
    """The county a WGS-84 point lies in (nearest county seat); outside China is ``InvalidInput``."""
    if not in_offset_region(lat, lon):
        if not strict:
            return None
        raise _outside_china(lat, lon)
    table = _county_table()
    distance_km = haversine_km(lat, lon, table.lats, table.lons)
    nearest = int(np.argmin(distance_km))
    if float(distance_km[nearest]) > MAX_KM_FROM_A_COUNTY_SEAT:
        if not strict:
            return None
        raise _outside_china(lat, lon)
    county = table.divisions[nearest]
    return Place(
        lat=lat,
        lon=lon,
        precision=GeocodePrecision.EXACT,
        province_name=_province_name(county),
        city_adcode=county.city_adcode,
        county_adcode=county.adcode,
        matched=county.name,
    )


def in_service_country(lat: float, lon: float) -> bool:
    """Is a WGS-84 point in China (inside the coarse box and within reach of a county seat)?"""
    return locate_point(lat, lon, strict=False) is not None


def _outside_china(lat: float, lon: float) -> InvalidInput:
    return InvalidInput(
        "坐标不在中国境内 / The coordinates are outside China",
        field="location",
        details={"lat": lat, "lon": lon},
    )


def _offline(address: str) -> Place | None:
    adcode = _parse_adcode(address)
    if adcode is None:
        return None
    divisions = by_adcode()
    # cpca may name a division its table has no seat for (市辖区): fall back to the enclosing one.
    for code in (adcode, adcode[:4] + "00", adcode[:2] + "0000"):
        division = divisions.get(code)
        if division is not None:
            break
    else:
        return None
    municipality = division.province_code in MUNICIPALITIES
    precision = _LEVEL_PRECISION[division.level]
    if municipality and division.level is Level.PROVINCE:
        precision = GeocodePrecision.CITY  # Beijing, Shanghai, ... are cities too
    return Place(
        lat=division.lat,
        lon=division.lon,
        precision=precision,
        province_name=_province_name(division),
        city_adcode=None if precision is GeocodePrecision.PROVINCE else division.city_adcode,
        county_adcode=division.adcode if division.level is Level.COUNTY else None,
        matched=division.name,
    )


def _parse_adcode(address: str) -> str | None:
    import cpca  # slow to import (pandas); only the first address pays

    frame = cpca.transform([address])
    value = frame["adcode"].iloc[0]
    if not isinstance(value, str) or not value.isdigit():
        return None
    return value[:6]


def _online(geocoder: OnlineGeocoder, address: str, datum: Datum) -> tuple[float, float] | None:
    try:
        found = geocoder.geocode(address)
    except Exception:  # a network geocoder failing must not block intake: the offline answer stands
        log.warning("online geocoder failed for %r", address, exc_info=True)
        return None
    if found is None:
        return None
    lat, lon = float(found.latitude), float(found.longitude)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return to_wgs84(lat, lon, datum)


def _province_name(division: Division) -> str:
    province = by_adcode().get(division.province_code + "0000")
    return province.name if province else ""


@dataclass(frozen=True, eq=False)
class _CountyTable:
    divisions: tuple[Division, ...]
    lats: NDArray[np.float64]
    lons: NDArray[np.float64]


@lru_cache(maxsize=1)
def _county_table() -> _CountyTable:
    """County seats (and municipalities' districts) as arrays for the nearest-seat lookup."""
    counties = tuple(d for d in all_divisions() if d.level is Level.COUNTY)
    return _CountyTable(
        divisions=counties,
        lats=np.array([d.lat for d in counties], dtype=np.float64),
        lons=np.array([d.lon for d in counties], dtype=np.float64),
    )
