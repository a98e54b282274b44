"""A job's coordinates against the address the caller gave, and an address for a job that has none.

Coordinates win (they are what the van drives to), but an address from another city means one of the two is
wrong: the job says how far apart they are and is flagged for the agent (issue 15, defect 6). A job created
from coordinates only gets the address of its division ("浙江省宁波市海曙区附近"), or an online reverse
geocoder's answer when one is configured.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dispatch.errors import InvalidInput
from dispatch.geo.divisions import by_adcode
from dispatch.jobs.geocoding import OnlineGeocoder, Place, geocode_address
from dispatch.jobs.models import GeocodePrecision
from routing.geodesy import haversine_km

log = logging.getLogger(__name__)

# How far an address may stand from the coordinates before they disagree: the address only gives its
# division's seat, so the allowance grows with the division's size.
MISMATCH_KM = {GeocodePrecision.COUNTY: 50.0, GeocodePrecision.CITY: 150.0}


class AddressSource:
    CALLER = "caller"
    DIVISION = "division"
    ONLINE = "online"


@dataclass(frozen=True)
class Disagreement:
    distance_km: float
    address_place: str


def disagreement(place: Place, address: str | None) -> Disagreement | None:
    """How far the caller's address lies from the coordinates, when beyond what its precision allows."""
    if not address:
        return None
    try:
        named = geocode_address(address)
    except InvalidInput:  # free text with no recognisable division: nothing to compare
        return None
    allowance = MISMATCH_KM.get(named.precision)
    if allowance is None:
        return None
    distance_km = float(haversine_km(place.lat, place.lon, named.lat, named.lon))
    if distance_km <= allowance:
        return None
    return Disagreement(round(distance_km, 1), named.matched)


def address_of_point(place: Place, online: OnlineGeocoder | None) -> tuple[str, str]:
    """An address for coordinates, and where it came from (`AddressSource`)."""
    if online is not None:
        found = _reverse(online, place)
        if found:
            return found[:255], AddressSource.ONLINE
    divisions = by_adcode()
    city = divisions.get(place.city_adcode or "")
    county = divisions.get(place.county_adcode or "")
    parts = [place.province_name]
    if city is not None and city.name != place.province_name:
        parts.append(city.name)
    if county is not None and (city is None or county.name != city.name):
        parts.append(county.name)
    return "".join(parts) + "附近", AddressSource.DIVISION


def _reverse(online: OnlineGeocoder, place: Place) -> str | None:
    reverse = getattr(online, "reverse", None)
    if reverse is None:
        return None
    try:
        found = reverse((place.lat, place.lon))
    except Exception:  # an online geocoder failing must not block intake: the division's name stands
        log.warning("online reverse geocoding failed for %s,%s", place.lat, place.lon, exc_info=True)
        return None
    text = getattr(found, "address", None)
    return text if isinstance(text, str) and text else None
