"""The one place the service chooses its travel-time model, from the settings.

Ranking vans, the ETA a technician's pings produce, the owner's tracking ETA and campaign day plans all use
the same model, so the ETA an offer promised agrees with the one the owner is shown later:
geodesic distance x road circuity at town, county-road and highway speeds (`routing.travel`); for single
drives, the road network (`routing.osrm`) when ``DISPATCH_OSRM_URL`` is set, falling back to the geodesic
model when that service fails, so neither a ping nor an owner's page breaks because routing is down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dispatch.settings import Settings
from routing.geodesy import Location
from routing.osrm import OsrmTravelTimes
from routing.travel import GeodesicTravelTimes, SpeedBand, TravelTimeProvider, TravelTimeUnavailable

DriveTime = Callable[[Location, Location], float]
"""Seconds to drive from the first location to the second."""


def travel_provider(settings: Settings) -> GeodesicTravelTimes:
    """Straight-line distance x circuity, driven at town, county-road and highway speeds."""
    bands = (
        SpeedBand(up_to_km=5.0, speed_kmh=settings.urban_speed_kmh),
        SpeedBand(up_to_km=30.0, speed_kmh=settings.rural_speed_kmh),
        SpeedBand(up_to_km=float("inf"), speed_kmh=settings.highway_speed_kmh),
    )
    return GeodesicTravelTimes(circuity=settings.road_circuity, speed_bands=bands)


@dataclass(frozen=True)
class ProviderDriveTime:
    """One drive's duration from `provider`, or from `fallback` when the provider is unavailable."""

    provider: TravelTimeProvider
    fallback: TravelTimeProvider

    def __call__(self, origin: Location, destination: Location) -> float:
        try:
            return float(self.provider.matrix([origin], [destination]).duration_s[0, 0])
        except TravelTimeUnavailable:
            return float(self.fallback.matrix([origin], [destination]).duration_s[0, 0])


def drive_time_for(settings: Settings) -> DriveTime:
    geodesic = travel_provider(settings)
    provider: TravelTimeProvider = geodesic
    if settings.osrm_url:
        provider = OsrmTravelTimes(base_url=settings.osrm_url, timeout_s=3.0)
    return ProviderDriveTime(provider=provider, fallback=geodesic)
