"""Driving time from a van to its job: the one place the ETA's travel-time provider is chosen.

The same provider that ranks vans for an offer (`dispatch.jobs.matching.travel_provider`: geodesic
distance x circuity with the settings' urban/rural/highway speeds), so the ETA a technician's pings
produce agrees with the one the offer promised; the road network (`routing.osrm`) when
``DISPATCH_OSRM_URL`` is set, falling back to the geodesic model if the service fails, so a ping is never
refused because the routing service is down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dispatch.jobs.matching import travel_provider
from dispatch.settings import Settings
from routing.geodesy import Location
from routing.osrm import OsrmTravelTimes
from routing.travel import TravelTimeProvider, TravelTimeUnavailable

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
    geodesic = travel_provider(settings)
    provider: TravelTimeProvider = geodesic
    if settings.osrm_url:
        provider = OsrmTravelTimes(base_url=settings.osrm_url, timeout_s=3.0)
    return ProviderDriveTime(provider=provider, fallback=geodesic)
