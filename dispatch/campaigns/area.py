"""Is a place inside a campaign's target area?

A campaign targets either a drawn polygon (GeoJSON, WGS-84) or a list of county-level divisions. We hold only
county *seats*, not boundaries, so a point belongs to the county whose seat is nearest among the counties of
the same province (a Voronoi approximation of the boundaries), and no farther than
:data:`MAX_SEAT_DISTANCE_KM` from it. Known owners are placed by the county the CRM records for them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from dispatch.geo.divisions import Division, Level, all_divisions, by_adcode
from routing.geodesy import haversine_matrix_km

MAX_SEAT_DISTANCE_KM = 60.0
"""Farther than this from every seat is outside any county we know (at sea, or across a border)."""


def county_divisions(adcodes: list[str]) -> list[Division]:
    """The county-level divisions for ``adcodes``; raises KeyError naming the first unknown one."""
    known = by_adcode()
    out = []
    for code in adcodes:
        division = known.get(code)
        if division is None or division.level is not Level.COUNTY:
            raise KeyError(code)
        out.append(division)
    return out


@lru_cache(maxsize=64)
def _province_counties(province_codes: frozenset[str]) -> tuple[Division, ...]:
    return tuple(d for d in all_divisions() if d.level is Level.COUNTY and d.province_code in province_codes)


def county_at(lat: float, lon: float, province_codes: frozenset[str]) -> str | None:
    """The county (of those provinces) whose seat is nearest to the point, if near enough."""
    counties = _province_counties(province_codes)
    if not counties:
        return None
    distances = haversine_matrix_km([lat], [lon], [c.lat for c in counties], [c.lon for c in counties])[0]
    nearest = int(np.argmin(distances))
    return counties[nearest].adcode if distances[nearest] <= MAX_SEAT_DISTANCE_KM else None


def polygon_of(area: dict[str, Any]) -> BaseGeometry:
    """A valid (lon, lat) polygon from a GeoJSON geometry; ValueError if it is not a usable area."""
    geometry = area.get("geometry", area) if area.get("type") == "Feature" else area
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("area must be a GeoJSON Polygon or MultiPolygon")
    polygon = shape(geometry)
    if polygon.is_empty or not polygon.is_valid:
        raise ValueError("area polygon is empty or self-intersecting")
    shapely.prepare(polygon)
    return polygon


def in_area(
    lat: float,
    lon: float,
    *,
    county_adcodes: list[str],
    area: dict[str, Any] | None,
    owner_county: str | None = None,
) -> bool:
    """Whether the point (or the known owner) is inside the campaign's target area."""
    if area is not None:
        return bool(shapely.intersects_xy(polygon_of(area), lon, lat))
    if owner_county is not None and owner_county in county_adcodes:
        return True
    provinces = frozenset(code[:2] for code in county_adcodes)
    return county_at(lat, lon, provinces) in county_adcodes
