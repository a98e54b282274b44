"""Driving time from a van's last known position to the owner, for the ETA on the tracking link.

The geodesic model from `routing.travel` (great-circle distance x circuity, banded speeds), or the road
network (`routing.osrm`) when ``DISPATCH_OSRM_URL`` is set, falling back to the geodesic model when that
service fails: an owner's page must never break because routing is down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dispatch.settings import Settings
from routing.geodesy import Location
from routing.osrm import OsrmTravelTimes
from routing.travel import GeodesicTravelTimes, TravelTimeProvider, TravelTimeUnavailable

DriveTime = Callable[[Location, Location], float]
"""Seconds to drive from the first location to the second."""


@dataclass(frozen=True)
class ProviderDriveTime:
    provider: TravelTimeProvider
    fallback: TravelTimeProvider

    def __call__(self, origin: Location, destination: Location) -> float:
        try:
            return float(self.provider.matrix([origin], [destination]).duration_s[0, 0])
        except TravelTimeUnavailable:
            return float(self.fallback.matrix([origin], [destination]).duration_s[0, 0])


def drive_time_for(settings: Settings) -> DriveTime:
    geodesic = GeodesicTravelTimes(circuity=settings.road_circuity)
    provider: TravelTimeProvider = geodesic
    if settings.osrm_url:
        provider = OsrmTravelTimes(base_url=settings.osrm_url, timeout_s=3.0)
    return ProviderDriveTime(provider=provider, fallback=geodesic)
