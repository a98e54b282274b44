"""The slow-changing part of the fleet as numpy arrays, so matching scans 10,000 vans in a millisecond.

Home stations, kinds, capabilities and shifts change rarely (an admin edits them); positions, statuses and
assignments change all the time and are never cached: matching reads them fresh, by primary key, for the few
vans the snapshot says are near. A snapshot lives ``settings.fleet_snapshot_ttl_s`` seconds per database and
is rebuilt at once when the number of vans or stations (or the highest van id) changes.
"""

from __future__ import annotations

import time as monotonic_time
from dataclasses import dataclass
from datetime import time

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dispatch.fleet.models import Capability, ServiceStation, Van, VanKind
from routing.geodesy import within_radius

CAPABILITY_BITS = {capability.value: 1 << i for i, capability in enumerate(Capability)}


def capability_mask(capabilities: frozenset[str] | list[str]) -> int:
    mask = 0
    for name in capabilities:
        mask |= CAPABILITY_BITS.get(name, 0)
    return mask


def minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@dataclass(frozen=True, eq=False)
class FleetSnapshot:
    """One row per van (index i), in van-id order."""

    van_ids: NDArray[np.int64]
    plates: tuple[str, ...]
    kinds: tuple[VanKind, ...]
    is_rescue: NDArray[np.bool_]
    station_ids: NDArray[np.int64]
    station_lat: NDArray[np.float64]
    station_lon: NDArray[np.float64]
    capability_bits: NDArray[np.int64]
    shift_start_min: NDArray[np.int32]
    shift_end_min: NDArray[np.int32]
    station_names: dict[int, str]
    fingerprint: tuple[int, int]
    # Vans share stations: radius tests run once per station (station_index maps each van to its row).
    unique_station_lat: NDArray[np.float64]
    unique_station_lon: NDArray[np.float64]
    station_index: NDArray[np.intp]

    def __len__(self) -> int:
        return len(self.van_ids)

    def on_shift(self, local_minute: int) -> NDArray[np.bool_]:
        """Which vans are on shift at `local_minute` (minutes after local midnight).

        Night shifts cross midnight (20:00-08:00); equal start and end mean round the clock.
        """
        start, end = self.shift_start_min, self.shift_end_min
        same_day = (start <= local_minute) & (local_minute < end)
        overnight = (local_minute >= start) | (local_minute < end)
        return np.where(start < end, same_day, np.where(start > end, overnight, True))

    def stations_within(self, lat: float, lon: float, radius_km: float) -> NDArray[np.bool_]:
        """Per van: is its home station within `radius_km` (exact geodesic near the edge)?"""
        if len(self.unique_station_lat) == 0:
            return np.zeros(len(self.van_ids), dtype=np.bool_)
        near = within_radius(lat, lon, self.unique_station_lat, self.unique_station_lon, radius_km)
        return np.asarray(near[self.station_index], dtype=np.bool_)

    def has_capabilities(self, required_bits: int) -> NDArray[np.bool_]:
        return np.asarray((self.capability_bits & required_bits) == required_bits)


_CACHE: dict[str, tuple[float, FleetSnapshot]] = {}


def fleet_snapshot(session: Session, *, ttl_s: float) -> FleetSnapshot:
    """The cached snapshot for this session's database, rebuilt when stale or when the fleet changed."""
    key = str(session.get_bind().engine.url)
    fingerprint = _fingerprint(session)
    cached = _CACHE.get(key)
    now = monotonic_time.monotonic()
    if cached and cached[1].fingerprint == fingerprint and now - cached[0] < ttl_s:
        return cached[1]
    snapshot = _build(session, fingerprint)
    if ttl_s > 0:
        _CACHE[key] = (now, snapshot)
    return snapshot


def invalidate_fleet_snapshots() -> None:
    """Forget every cached snapshot (after an admin edits vans or stations, and between tests)."""
    _CACHE.clear()


# Highest van and station ids: two index look-ups that change whenever one is added. Built once: it runs
# before every search, and building a statement costs more than the look-ups.
_FINGERPRINT = sa_select(
    select(func.coalesce(func.max(col(Van.id)), 0)).scalar_subquery(),
    select(func.coalesce(func.max(col(ServiceStation.id)), 0)).scalar_subquery(),
)


def _fingerprint(session: Session) -> tuple[int, int]:
    row = session.execute(_FINGERPRINT).one()
    return int(row[0]), int(row[1])


def _build(session: Session, fingerprint: tuple[int, int]) -> FleetSnapshot:
    columns = (Van.id, Van.plate, Van.kind, Van.station_id, Van.capabilities, Van.shift_start, Van.shift_end)
    rows = session.execute(
        sa_select(*(col(c) for c in columns), col(ServiceStation.lat), col(ServiceStation.lon))
        .join(ServiceStation, col(ServiceStation.id) == col(Van.station_id))
        .where(col(Van.retired_at).is_(None))  # a retired van is never matched again
        .order_by(col(Van.id))
    ).all()
    stations = session.exec(select(ServiceStation.id, ServiceStation.name)).all()
    kinds = tuple(VanKind(r[2]) for r in rows)
    station_ids = np.array([r[3] for r in rows], dtype=np.int64)
    unique_ids, first, station_index = np.unique(station_ids, return_index=True, return_inverse=True)
    station_lat = np.array([r[7] for r in rows], dtype=np.float64)
    station_lon = np.array([r[8] for r in rows], dtype=np.float64)
    return FleetSnapshot(
        van_ids=np.array([r[0] for r in rows], dtype=np.int64),
        plates=tuple(r[1] for r in rows),
        kinds=kinds,
        is_rescue=np.array([k is VanKind.RESCUE for k in kinds], dtype=np.bool_),
        station_ids=station_ids,
        station_lat=station_lat,
        station_lon=station_lon,
        capability_bits=np.array([capability_mask(r[4] or []) for r in rows], dtype=np.int64),
        shift_start_min=np.array([minutes(r[5]) for r in rows], dtype=np.int32),
        shift_end_min=np.array([minutes(r[6]) for r in rows], dtype=np.int32),
        station_names={int(sid): name for sid, name in stations if sid is not None},
        fingerprint=fingerprint,
        unique_station_lat=station_lat[first],
        unique_station_lon=station_lon[first],
        station_index=np.asarray(station_index, dtype=np.intp).reshape(-1),
    )
