"""The one travel model: every ETA the service gives comes from here, and says what kind of ETA it is.

Ranking vans and the offers made from it, the ETA a booking check and a day plan drive by, the ETA a
technician's pings update and the one the owner's tracking page shows all ask :class:`TravelModel`, so an
offer's ETA and the owner's agree. The model is chosen by the settings: the road network (``routing.osrm``)
when ``DISPATCH_OSRM_URL`` is set, else the estimate (geodesic distance x road circuity at town, county-road
and highway speeds, ``routing.travel``). Road answers are cached (bounded, with a TTL). When the road service
fails, the estimate answers instead, and says so: every answer carries an :class:`EtaKind` (``road`` or
``estimate``), so the fallback is shown, not hidden; after a failure the road service is left alone for
``osrm_retry_after_s`` so a dead service does not cost every request its timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from dispatch.settings import Settings
from routing.geodesy import Location
from routing.osrm import OsrmTravelTimes
from routing.travel import (
    GeodesicTravelTimes,
    SpeedBand,
    TravelMatrix,
    TravelTimeProvider,
    TravelTimeUnavailable,
)

log = logging.getLogger(__name__)

# Five decimals is about a metre: a van reporting from the same yard twice reuses the answer.
_KEY_DECIMALS = 5
_Key = tuple[float, float, float, float]


class EtaKind(StrEnum):
    """Where an ETA came from (API value ``eta_kind``)."""

    ROAD = "road"  # the road-network service
    ESTIMATE = "estimate"  # straight-line distance x circuity at banded speeds (no service, or it failed)
    TECHNICIAN = "technician"  # the crew's own estimate, given when accepting an offer


@dataclass(frozen=True)
class Drive:
    """One drive: how long, how far by road, and what kind of answer that is."""

    duration_s: float
    distance_km: float
    kind: EtaKind


DriveTime = Callable[[Location, Location], Drive]
"""One drive from the first location to the second."""


@dataclass(frozen=True, eq=False)
class PricedMatrix(TravelMatrix):
    """A travel matrix whose every cell says whether the road network (True) or the estimate priced it."""

    road: NDArray[np.bool_] | None = None

    def kind_at(self, row: int, col: int) -> EtaKind:
        return EtaKind.ROAD if self.road is not None and bool(self.road[row, col]) else EtaKind.ESTIMATE


def eta_kind_of(matrix: TravelMatrix, row: int, col: int) -> EtaKind:
    """The kind of one cell of any provider's matrix (only the travel model's can be ``road``)."""
    return matrix.kind_at(row, col) if isinstance(matrix, PricedMatrix) else EtaKind.ESTIMATE


def matrix_eta_kind(matrix: TravelMatrix) -> EtaKind:
    """A whole matrix (a day plan's): ``road`` only when the road network priced every cell."""
    if isinstance(matrix, PricedMatrix) and matrix.road is not None and bool(matrix.road.all()):
        return EtaKind.ROAD
    return EtaKind.ESTIMATE


def estimate_provider(settings: Settings) -> GeodesicTravelTimes:
    """Straight-line distance x circuity, driven at town, county-road and highway speeds."""
    bands = (
        SpeedBand(up_to_km=5.0, speed_kmh=settings.urban_speed_kmh),
        SpeedBand(up_to_km=30.0, speed_kmh=settings.rural_speed_kmh),
        SpeedBand(up_to_km=float("inf"), speed_kmh=settings.highway_speed_kmh),
    )
    return GeodesicTravelTimes(circuity=settings.road_circuity, speed_bands=bands)


class TravelModel:
    """The travel-time provider the settings chose, with its cache and its fallback (thread-safe).

    It is a :class:`routing.travel.TravelTimeProvider` (``matrix``), so the route planner uses it as is, and
    a :data:`DriveTime` (called with two locations) for single drives.
    """

    def __init__(
        self,
        *,
        estimate: TravelTimeProvider,
        road: TravelTimeProvider | None = None,
        cache_size: int = 100_000,
        cache_ttl_s: float = 600.0,
        retry_after_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.estimate = estimate
        self.road = road
        self.cache_size = cache_size
        self.cache_ttl_s = cache_ttl_s
        self.retry_after_s = retry_after_s
        self._monotonic = monotonic
        self._pairs: OrderedDict[_Key, tuple[float, float, float]] = OrderedDict()  # -> (km, s, stored at)
        self._road_down_until = 0.0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pairs)

    def matrix(self, origins: Sequence[Location], destinations: Sequence[Location]) -> PricedMatrix:
        """Every origin to every destination: cached road answers, the road service, or the estimate."""
        shape = (len(origins), len(destinations))
        if self.road is None or not origins or not destinations:
            plain = self.estimate.matrix(origins, destinations)
            return PricedMatrix(plain.distance_km, plain.duration_s, np.zeros(shape, dtype=np.bool_))
        keys = [[_key(o, d) for d in destinations] for o in origins]
        distance_km, duration_s = np.empty(shape), np.empty(shape)
        road = np.zeros(shape, dtype=np.bool_)
        missing = self._from_cache(keys, distance_km, duration_s, road)
        if missing:
            self._fill_missing(origins, destinations, keys, missing, distance_km, duration_s, road)
        return PricedMatrix(distance_km, duration_s, road)

    def __call__(self, origin: Location, destination: Location) -> Drive:
        matrix = self.matrix([origin], [destination])
        return Drive(float(matrix.duration_s[0, 0]), float(matrix.distance_km[0, 0]), matrix.kind_at(0, 0))

    def _from_cache(
        self,
        keys: list[list[_Key]],
        distance_km: NDArray[np.float64],
        duration_s: NDArray[np.float64],
        road: NDArray[np.bool_],
    ) -> list[tuple[int, int]]:
        """Fill what the cache knows (fresh entries only); return the cells still to price."""
        missing = []
        oldest_fresh = self._monotonic() - self.cache_ttl_s
        with self._lock:
            for i, row in enumerate(keys):
                for j, key in enumerate(row):
                    hit = self._pairs.get(key)
                    if hit is None or hit[2] < oldest_fresh:
                        missing.append((i, j))
                        continue
                    self._pairs.move_to_end(key)
                    distance_km[i, j], duration_s[i, j], road[i, j] = hit[0], hit[1], True
        return missing

    def _fill_missing(
        self,
        origins: Sequence[Location],
        destinations: Sequence[Location],
        keys: list[list[_Key]],
        missing: list[tuple[int, int]],
        distance_km: NDArray[np.float64],
        duration_s: NDArray[np.float64],
        road: NDArray[np.bool_],
    ) -> None:
        rows = sorted({i for i, _ in missing})
        cols = sorted({j for _, j in missing})
        sub_origins, sub_destinations = [origins[i] for i in rows], [destinations[j] for j in cols]
        fetched, from_road = self._priced(sub_origins, sub_destinations)
        stored_at = self._monotonic()
        with self._lock:
            for a, i in enumerate(rows):
                for b, j in enumerate(cols):
                    if road[i, j]:
                        continue  # a fresh cached road answer is as good as a new one
                    km, s = float(fetched.distance_km[a, b]), float(fetched.duration_s[a, b])
                    distance_km[i, j], duration_s[i, j], road[i, j] = km, s, from_road
                    if from_road:
                        self._remember(keys[i][j], km, s, stored_at)

    def _priced(
        self, origins: Sequence[Location], destinations: Sequence[Location]
    ) -> tuple[TravelMatrix, bool]:
        """The road service's answer, or the estimate (False) while it is failing."""
        assert self.road is not None
        if self._monotonic() >= self._road_down_until:
            try:
                return self.road.matrix(origins, destinations), True
            except TravelTimeUnavailable as exc:
                self._road_down_until = self._monotonic() + self.retry_after_s
                log.warning(
                    "road travel times unavailable, estimating for %.0f s: %s", self.retry_after_s, exc
                )
        return self.estimate.matrix(origins, destinations), False

    def _remember(self, key: _Key, distance_km: float, duration_s: float, stored_at: float) -> None:
        self._pairs[key] = (distance_km, duration_s, stored_at)
        self._pairs.move_to_end(key)
        while len(self._pairs) > self.cache_size:
            self._pairs.popitem(last=False)


def _key(origin: Location, destination: Location) -> _Key:
    return (
        round(origin.lat, _KEY_DECIMALS),
        round(origin.lon, _KEY_DECIMALS),
        round(destination.lat, _KEY_DECIMALS),
        round(destination.lon, _KEY_DECIMALS),
    )


_MODELS: dict[tuple[object, ...], TravelModel] = {}
_MODELS_LOCK = threading.Lock()


def travel_model(settings: Settings) -> TravelModel:
    """The shared travel model for these settings (one per process, so its cache is shared too)."""
    key = (
        settings.osrm_url,
        settings.osrm_timeout_s,
        settings.road_circuity,
        settings.urban_speed_kmh,
        settings.rural_speed_kmh,
        settings.highway_speed_kmh,
        settings.travel_cache_size,
        settings.travel_cache_ttl_s,
        settings.osrm_retry_after_s,
    )
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            road = (
                OsrmTravelTimes(base_url=settings.osrm_url, timeout_s=settings.osrm_timeout_s)
                if settings.osrm_url
                else None
            )
            model = _MODELS[key] = TravelModel(
                estimate=estimate_provider(settings),
                road=road,
                cache_size=settings.travel_cache_size,
                cache_ttl_s=settings.travel_cache_ttl_s,
                retry_after_s=settings.osrm_retry_after_s,
            )
        return model


def travel_provider(settings: Settings) -> TravelModel:
    """The provider every ETA uses (kept under its old name for callers that price matrices)."""
    return travel_model(settings)


def drive_time_for(settings: Settings) -> DriveTime:
    """Single drives (pings, owner tracking) from the same model as everything else."""
    return travel_model(settings)
