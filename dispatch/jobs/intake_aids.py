"""What an agent looks up while taking a call, before a job exists: a known vehicle by plate or VIN, a
preview of where an address or a pair of coordinates lands (and how precisely), and the prefecture-level
cities with their names (the board's city filter).

- ``find_vehicles(*, session, plate=None, vin=None) -> list[Vehicle]``: the registered vehicle(s) matching.
- ``preview_location(location, online=None) -> LocationPreview``: the WGS-84 point a job would get.
- ``prefecture_city_names(province_code=None) -> list[CityName]``
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from dispatch.errors import InvalidInput
from dispatch.geo.divisions import by_adcode, prefecture_cities
from dispatch.jobs.geocoding import OnlineGeocoder, Place
from dispatch.jobs.intake import resolve_location
from dispatch.jobs.models import LocationSource
from dispatch.jobs.schemas import LocationIn
from dispatch.owners.models import Vehicle


def find_vehicles(*, session: Session, plate: str | None = None, vin: str | None = None) -> list[Vehicle]:
    """Vehicles registered under `plate` or `vin` (both normalised already); at most one of each."""
    if not plate and not vin:
        raise InvalidInput("请提供车牌号或车架号 / Give a plate or a VIN", field="plate")
    conditions = []
    if plate:
        conditions.append(col(Vehicle.plate) == plate)
    if vin:
        conditions.append(col(Vehicle.vin) == vin)
    return list(session.exec(select(Vehicle).where(or_(*conditions)).order_by(col(Vehicle.id))).all())


@dataclass(frozen=True)
class LocationPreview:
    place: Place
    source: LocationSource
    city_name: str
    county_name: str


def preview_location(location: LocationIn, online: OnlineGeocoder | None = None) -> LocationPreview:
    """The point, precision and divisions intake would give `location` (same rules, nothing stored)."""
    place, source, _reported = resolve_location(location, online)
    divisions = by_adcode()
    city = divisions.get(place.city_adcode) if place.city_adcode else None
    county = divisions.get(place.county_adcode) if place.county_adcode else None
    return LocationPreview(
        place=place,
        source=source,
        city_name=city.name if city else "",
        county_name=county.name if county else "",
    )


@dataclass(frozen=True)
class CityName:
    adcode: str
    name: str
    province_name: str


def prefecture_city_names(province_code: str | None = None) -> list[CityName]:
    divisions = by_adcode()
    cities = []
    for city in prefecture_cities(province_code):
        province = divisions.get(city.province_code + "0000")
        cities.append(CityName(city.adcode, city.name, province.name if province else ""))
    return cities
