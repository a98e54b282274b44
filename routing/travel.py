"""Travel times between locations: one provider interface, a geodesic default, and a cache.

Every provider returns a :class:`TravelMatrix`; the routing problem only ever sees that matrix, so a road
network service (:mod:`routing.osrm`) and the straight-line estimate are interchangeable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from routing.geodesy import Location, haversine_km, haversine_matrix_km


class TravelTimeUnavailable(Exception):
    """A provider could not produce travel times (service down, bad answer, unroutable point)."""


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Road distances and driving durations, rows = origins, columns = destinations."""

    distance_km: NDArray[np.float64]
    duration_s: NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.distance_km.shape != self.duration_s.shape or self.distance_km.ndim != 2:
            raise ValueError("distance_km and duration_s must be 2-D arrays of the same shape")
        if np.any(~np.isfinite(self.duration_s)) or np.any(self.duration_s < 0):
            raise ValueError("duration_s must be finite and non-negative")

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.distance_km.shape
        return rows, cols


class TravelTimeProvider(Protocol):
    """Anything that can price trips between locations."""

    def matrix(self, origins: Sequence[Location], destinations: Sequence[Location]) -> TravelMatrix:
        """Distances and durations from every origin to every destination."""
        ...


@dataclass(frozen=True)
class SpeedBand:
    """Driving speed for the part of a trip up to ``up_to_km`` (cumulative) from its start."""

    up_to_km: float
    speed_kmh: float


DEFAULT_SPEED_BANDS: tuple[SpeedBand, ...] = (
    SpeedBand(up_to_km=5.0, speed_kmh=30.0),  # town streets, village lanes
    SpeedBand(up_to_km=30.0, speed_kmh=50.0),  # county and township roads
    SpeedBand(up_to_km=100.0, speed_kmh=70.0),  # national and provincial highways
    SpeedBand(up_to_km=float("inf"), speed_kmh=90.0),  # expressway for long trips
)
"""Rural-China defaults: short hops are slow, long trips reach the expressway."""


@dataclass(frozen=True)
class GeodesicTravelTimes:
    """Road distance ≈ great-circle distance × circuity; duration from a banded speed profile.

    The first kilometres of a trip are driven at the first band's speed, the next at the second's, and so on,
    so duration grows continuously with distance. Good enough for ranking vans and for planning when no road
    network service is available.
    """

    circuity: float = 1.3
    speed_bands: tuple[SpeedBand, ...] = DEFAULT_SPEED_BANDS

    def __post_init__(self) -> None:
        if self.circuity < 1.0:
            raise ValueError("circuity must be at least 1")
        limits = [band.up_to_km for band in self.speed_bands]
        if not self.speed_bands or limits != sorted(limits) or limits[-1] != float("inf"):
            raise ValueError("speed bands must be sorted by up_to_km and end with infinity")

    def matrix(self, origins: Sequence[Location], destinations: Sequence[Location]) -> TravelMatrix:
        """Vectorised matrix: a 300 × 300 matrix costs a few milliseconds."""
        straight_km = haversine_matrix_km(
            [o.lat for o in origins],
            [o.lon for o in origins],
            [d.lat for d in destinations],
            [d.lon for d in destinations],
        )
        return self._from_straight_km(straight_km.reshape(len(origins), len(destinations)))

    def from_point(self, origin: Location, destinations: Sequence[Location]) -> TravelMatrix:
        """One row: from one origin to many destinations (e.g. a breakdown to every van)."""
        straight_km = haversine_km(
            origin.lat, origin.lon, [d.lat for d in destinations], [d.lon for d in destinations]
        )
        return self._from_straight_km(straight_km.reshape(1, len(destinations)))

    def duration_for_km(self, road_km: NDArray[np.float64]) -> NDArray[np.float64]:
        """Driving seconds for road distances in km, band by band."""
        duration_h = np.zeros_like(road_km)
        band_start_km = 0.0
        for band in self.speed_bands:
            in_band_km = np.clip(road_km - band_start_km, 0.0, band.up_to_km - band_start_km)
            duration_h += in_band_km / band.speed_kmh
            band_start_km = band.up_to_km
        return duration_h * 3600.0

    def _from_straight_km(self, straight_km: NDArray[np.float64]) -> TravelMatrix:
        road_km = straight_km * self.circuity
        return TravelMatrix(distance_km=road_km, duration_s=self.duration_for_km(road_km))


def _key(location: Location, decimals: int) -> tuple[float, float]:
    return (round(location.lat, decimals), round(location.lon, decimals))


@dataclass
class CachedTravelTimes:
    """Wraps any provider and remembers each origin-destination pair, keyed by rounded coordinates.

    Five decimals is ~1 m, so a van reporting the same depot twice reuses the answer. Only the rows and
    columns that contain an unknown pair are asked of the inner provider.
    """

    provider: TravelTimeProvider
    decimals: int = 5
    _pairs: dict[tuple[tuple[float, float], tuple[float, float]], tuple[float, float]] = field(
        default_factory=dict, repr=False
    )

    def matrix(self, origins: Sequence[Location], destinations: Sequence[Location]) -> TravelMatrix:
        """Answer from the cache, fetching the missing sub-matrix in one provider call."""
        origin_keys = [_key(o, self.decimals) for o in origins]
        dest_keys = [_key(d, self.decimals) for d in destinations]
        missing = [
            (i, j)
            for i, ok in enumerate(origin_keys)
            for j, dk in enumerate(dest_keys)
            if (ok, dk) not in self._pairs
        ]
        if missing:
            self._fetch(origins, destinations, missing)
        distance_km = np.empty((len(origins), len(destinations)))
        duration_s = np.empty_like(distance_km)
        for i, ok in enumerate(origin_keys):
            for j, dk in enumerate(dest_keys):
                distance_km[i, j], duration_s[i, j] = self._pairs[(ok, dk)]
        return TravelMatrix(distance_km=distance_km, duration_s=duration_s)

    def __len__(self) -> int:
        return len(self._pairs)

    def _fetch(
        self, origins: Sequence[Location], destinations: Sequence[Location], missing: list[tuple[int, int]]
    ) -> None:
        rows = sorted({i for i, _ in missing})
        cols = sorted({j for _, j in missing})
        fetched = self.provider.matrix([origins[i] for i in rows], [destinations[j] for j in cols])
        for a, i in enumerate(rows):
            for b, j in enumerate(cols):
                key = (_key(origins[i], self.decimals), _key(destinations[j], self.decimals))
                self._pairs[key] = (float(fetched.distance_km[a, b]), float(fetched.duration_s[a, b]))
