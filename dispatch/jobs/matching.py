"""Which rescue vans can take a job, ranked by ETA; and why the others can't.

A van qualifies when it is a rescue van, on shift (Asia/Shanghai local time; night shifts cross midnight),
in service, not lent to a countryside campaign that day, free (or free soon: its current job is on site or
in service and should end within :data:`FREE_SOON_S`, whose remaining time is added to its ETA), has the
capabilities the fault needs, and its **home station** lies within ``settings.rescue_radius_km`` of the job
(exact geodesic near the edge).

Speed at national scale: the fleet snapshot (:mod:`dispatch.jobs.fleet_snapshot`) gives numpy arrays of home
stations; a vectorised haversine with exact geodesics only near the radius edge picks the near vans; only
those few are read fresh from the database (status, assignment, last GPS fix) and priced by the travel-time
provider, from the last fresh GPS fix or else the home station.

Public API:

- ``search_candidates(*, session, job, now, settings, explain=False, exclude_van_ids=frozenset(),
  provider=None) -> CandidateSearch``
- ``MatchingPicker(settings)``: the default :class:`dispatch.jobs.offers.CandidatePicker` (free vans only).
- ``required_capabilities(fault, powertrain) -> frozenset[str]`` (the travel model: `dispatch.travel_times`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dispatch.campaigns.van_days import vans_lent_on
from dispatch.db import ids_in
from dispatch.fleet.models import Capability, Van, VanStatus
from dispatch.jobs.fleet_snapshot import FleetSnapshot, capability_mask, fleet_snapshot
from dispatch.jobs.models import FaultCategory, JobStatus, RescueJob
from dispatch.jobs.offers import OfferTarget
from dispatch.owners.models import Powertrain
from dispatch.settings import Settings
from dispatch.travel_times import EtaKind, eta_kind_of, travel_provider
from routing.geodesy import Location, haversine_km
from routing.travel import TravelTimeProvider

FREE_SOON_S = 30 * 60
NEAREST_LISTED = 5
# Typical time on site per fault, to estimate when a busy van will be free.
SERVICE_S = {
    FaultCategory.FLAT_TYRE: 30 * 60,
    FaultCategory.BATTERY: 25 * 60,
    FaultCategory.LOCKOUT: 20 * 60,
    FaultCategory.OUT_OF_FUEL: 15 * 60,
    FaultCategory.WONT_START: 45 * 60,
    FaultCategory.ACCIDENT: 60 * 60,
    FaultCategory.NEEDS_TOW: 60 * 60,
    FaultCategory.OTHER: 45 * 60,
}


class Exclusion:
    """Reasons a van is not a candidate (API values)."""

    OUT_OF_RADIUS = "out_of_radius"
    BUSY = "busy"
    OFF_SHIFT = "off_shift"
    OUT_OF_SERVICE = "out_of_service"
    LACKS_CAPABILITY = "lacks_capability"
    ALREADY_OFFERED = "already_offered"
    LENT_TO_CAMPAIGN = "lent_to_campaign"


@dataclass(frozen=True)
class Candidate:
    van_id: int
    plate: str
    station_id: int
    station_name: str
    rank: int
    distance_km: float  # road estimate from where the van starts
    eta_s: int
    home_station_km: float  # geodesic, the radius test
    starts_from: str  # "gps" | "station" | "current_job"
    available_now: bool
    busy_for_s: int = 0
    eta_kind: str = EtaKind.ESTIMATE.value  # road network, or the estimate (model or road-service fallback)


@dataclass(frozen=True)
class ExcludedVan:
    van_id: int
    plate: str
    home_station_km: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class NearbyVan:
    """A van outside the rules (beyond the radius, or a mobile station) listed for escalation."""

    van_id: int
    plate: str
    kind: str
    station_name: str
    distance_km: float  # straight line from where it is (GPS) or its station


@dataclass
class CandidateSearch:
    radius_km: float
    required_capabilities: frozenset[str]
    candidates: list[Candidate] = field(default_factory=list)
    excluded: list[ExcludedVan] = field(default_factory=list)
    excluded_counts: dict[str, int] = field(default_factory=dict)
    nearest_beyond_radius: list[NearbyVan] = field(default_factory=list)
    nearest_mobile_stations: list[NearbyVan] = field(default_factory=list)

    def offer_targets(self) -> list[OfferTarget]:
        """Candidates that can be offered the job now, best first."""
        return [
            OfferTarget(
                van_id=c.van_id, rank=c.rank, distance_km=c.distance_km, eta_s=c.eta_s, eta_kind=c.eta_kind
            )
            for c in self.candidates
            if c.available_now
        ]


def required_capabilities(fault: FaultCategory | str, powertrain: Powertrain | str) -> frozenset[str]:
    """A tow (or an accident) needs a tow truck; an EV that won't start or has a flat battery needs EV kit."""
    needed = {Capability.LIGHT_REPAIR.value}
    fault = FaultCategory(fault)
    if fault in (FaultCategory.NEEDS_TOW, FaultCategory.ACCIDENT):
        needed = {Capability.TOW.value}
    if Powertrain(powertrain) is Powertrain.EV and fault in (FaultCategory.BATTERY, FaultCategory.WONT_START):
        needed.add(Capability.EV.value)
    return frozenset(needed)


@dataclass(frozen=True)
class _Live:
    """What the database says about a van right now."""

    status: str
    current_job_id: uuid.UUID | None
    lat: float | None
    lon: float | None
    position_at: datetime | None


def search_candidates(
    *,
    session: Session,
    job: RescueJob,
    now: datetime,
    settings: Settings,
    explain: bool = False,
    exclude_van_ids: frozenset[int] = frozenset(),
    provider: TravelTimeProvider | None = None,
) -> CandidateSearch:
    """Rank the vans that can take `job`; with `explain`, list why the near others were left out."""
    fleet = fleet_snapshot(session, ttl_s=settings.fleet_snapshot_ttl_s)
    needed = required_capabilities(job.fault_category, job.powertrain)
    search = CandidateSearch(radius_km=settings.rescue_radius_km, required_capabilities=needed)
    in_radius = fleet.is_rescue & fleet.stations_within(job.lat, job.lon, settings.rescue_radius_km)
    search.excluded_counts[Exclusion.OUT_OF_RADIUS] = int(fleet.is_rescue.sum() - in_radius.sum())
    on_shift_all = fleet.on_shift(_local_minute(now, settings.display_timezone))
    capable_all = fleet.has_capabilities(capability_mask(needed))
    if not explain:  # only the vans that can qualify are read from the database
        _count_static_exclusions(search, in_radius, on_shift_all, capable_all)
        in_radius &= on_shift_all & capable_all
    near = np.flatnonzero(in_radius)
    home_km = haversine_km(job.lat, job.lon, fleet.station_lat[near], fleet.station_lon[near])
    on_shift, capable = on_shift_all[near], capable_all[near]
    near_ids = [int(v) for v in fleet.van_ids[near]]
    live = _live_state(session, near_ids)
    lent = vans_lent_on(session=session, van_ids=near_ids, day=_local_date(now, settings.display_timezone))
    busy_jobs = _current_jobs(session, [s.current_job_id for s in live.values() if s.current_job_id])
    fresh_after = now - timedelta(minutes=settings.ping_fresh_minutes)

    starts: list[tuple[int, Location, str, int]] = []  # (snapshot index, origin, source, busy_for_s)
    for k, i in enumerate(near):
        van_id = int(fleet.van_ids[i])
        state = live.get(van_id)
        reasons = _reasons(state, bool(on_shift[k]), bool(capable[k]), van_id in exclude_van_ids)
        if van_id in lent:
            reasons = (*reasons, Exclusion.LENT_TO_CAMPAIGN)
        start = None
        if state is not None and not reasons:
            start = _start(state, fleet, int(i), busy_jobs, now, fresh_after)
            if start is None:
                reasons = (Exclusion.BUSY,)
        if reasons:
            for reason in reasons:
                search.excluded_counts[reason] = search.excluded_counts.get(reason, 0) + 1
            if explain:
                search.excluded.append(
                    ExcludedVan(van_id, fleet.plates[i], round(float(home_km[k]), 2), reasons)
                )
            continue
        assert start is not None
        starts.append((int(i), start[0], start[1], start[2]))
    search.candidates = _rank(starts, job, fleet, home_km, near, provider or travel_provider(settings))
    if not search.candidates:
        search.nearest_beyond_radius = _nearest_beyond(fleet, job, near, needed)
        search.nearest_mobile_stations = _nearest_mobile_stations(session, fleet, job, fresh_after)
    return search


class MatchingPicker:
    """The default cascade picker: free candidates by ETA, leaving out vans already offered this job."""

    def __init__(self, settings: Settings, provider: TravelTimeProvider | None = None):
        self.settings = settings
        self.provider = provider

    def __call__(
        self, *, session: Session, job: RescueJob, now: datetime, exclude_van_ids: frozenset[int]
    ) -> list[OfferTarget]:
        search = search_candidates(
            session=session,
            job=job,
            now=now,
            settings=self.settings,
            exclude_van_ids=exclude_van_ids,
            provider=self.provider,
        )
        return search.offer_targets()


def _count_static_exclusions(
    search: CandidateSearch,
    in_radius: NDArray[np.bool_],
    on_shift: NDArray[np.bool_],
    capable: NDArray[np.bool_],
) -> None:
    for reason, count in (
        (Exclusion.OFF_SHIFT, int((in_radius & ~on_shift).sum())),
        (Exclusion.LACKS_CAPABILITY, int((in_radius & ~capable).sum())),
    ):
        if count:
            search.excluded_counts[reason] = count


def _reasons(state: _Live | None, on_shift: bool, capable: bool, offered: bool) -> tuple[str, ...]:
    reasons = []
    if state is None or state.status in (VanStatus.OUT_OF_SERVICE, VanStatus.RETIRED):
        reasons.append(Exclusion.OUT_OF_SERVICE)
    elif not on_shift or state.status == VanStatus.OFF_DUTY:
        reasons.append(Exclusion.OFF_SHIFT)
    if not capable:
        reasons.append(Exclusion.LACKS_CAPABILITY)
    if offered:
        reasons.append(Exclusion.ALREADY_OFFERED)
    return tuple(reasons)


def _start(
    state: _Live,
    fleet: FleetSnapshot,
    index: int,
    busy_jobs: dict[uuid.UUID, RescueJob],
    now: datetime,
    fresh_after: datetime,
) -> tuple[Location, str, int] | None:
    """Where the van would set off from, and after how long; None if it is busy for a while yet."""
    if state.current_job_id is not None:
        current = busy_jobs.get(state.current_job_id)
        if current is None:
            return None
        remaining = _remaining_service_s(current, now)
        if remaining is None or remaining > FREE_SOON_S:
            return None
        return Location(current.lat, current.lon), "current_job", remaining
    if (
        state.lat is not None
        and state.lon is not None
        and state.position_at
        and state.position_at >= fresh_after
    ):
        return Location(state.lat, state.lon), "gps", 0
    return Location(float(fleet.station_lat[index]), float(fleet.station_lon[index])), "station", 0


def _remaining_service_s(job: RescueJob, now: datetime) -> int | None:
    """How long the van's current job should still take; None unless it is already on site."""
    if job.status not in (JobStatus.ON_SITE, JobStatus.IN_SERVICE):
        return None
    typical = SERVICE_S[FaultCategory(job.fault_category)]
    if job.status == JobStatus.IN_SERVICE:
        typical -= int((now - job.updated_at).total_seconds())
    return max(0, typical)


def _rank(
    starts: Sequence[tuple[int, Location, str, int]],
    job: RescueJob,
    fleet: FleetSnapshot,
    home_km: NDArray[np.float64],
    near: NDArray[np.intp],
    provider: TravelTimeProvider,
) -> list[Candidate]:
    if not starts:
        return []
    matrix = provider.matrix([s[1] for s in starts], [Location(job.lat, job.lon)])
    position_in_near = {int(i): k for k, i in enumerate(near)}
    rows = []
    for row, (i, _origin, source, busy_s) in enumerate(starts):
        eta_s = int(round(float(matrix.duration_s[row, 0]))) + busy_s
        kind = eta_kind_of(matrix, row, 0).value
        rows.append((eta_s, float(matrix.distance_km[row, 0]), i, source, busy_s, kind))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    candidates = []
    for rank, (eta_s, distance_km, i, source, busy_s, kind) in enumerate(rows, start=1):
        station_id = int(fleet.station_ids[i])
        candidates.append(
            Candidate(
                van_id=int(fleet.van_ids[i]),
                plate=fleet.plates[i],
                station_id=station_id,
                station_name=fleet.station_names.get(station_id, ""),
                rank=rank,
                distance_km=round(distance_km, 2),
                eta_s=eta_s,
                home_station_km=round(float(home_km[position_in_near[i]]), 2),
                starts_from=source,
                available_now=source != "current_job",
                busy_for_s=busy_s,
                eta_kind=kind,
            )
        )
    return candidates


def _nearest_beyond(
    fleet: FleetSnapshot, job: RescueJob, near: NDArray[np.intp], needed: frozenset[str]
) -> list[NearbyVan]:
    """The closest capable rescue vans outside the radius (for a partner hand-off or a long drive)."""
    outside = fleet.is_rescue & fleet.has_capabilities(capability_mask(needed))
    outside[near] = False
    return _nearest(fleet, job, np.flatnonzero(outside))


def _nearest_mobile_stations(
    session: Session, fleet: FleetSnapshot, job: RescueJob, fresh_after: datetime
) -> list[NearbyVan]:
    mobile = np.flatnonzero(~fleet.is_rescue)
    if len(mobile) == 0:
        return []
    live = _live_state(session, [int(v) for v in fleet.van_ids[mobile]])
    lats, lons = fleet.station_lat[mobile].copy(), fleet.station_lon[mobile].copy()
    for k, i in enumerate(mobile):
        state = live.get(int(fleet.van_ids[i]))
        if state and state.lat is not None and state.lon is not None and state.position_at:
            if state.position_at >= fresh_after:
                lats[k], lons[k] = state.lat, state.lon
    return _nearest(fleet, job, mobile, lats, lons)


def _nearest(
    fleet: FleetSnapshot,
    job: RescueJob,
    indexes: NDArray[np.intp],
    lats: NDArray[np.float64] | None = None,
    lons: NDArray[np.float64] | None = None,
) -> list[NearbyVan]:
    if len(indexes) == 0:
        return []
    lats = fleet.station_lat[indexes] if lats is None else lats
    lons = fleet.station_lon[indexes] if lons is None else lons
    distance_km = haversine_km(job.lat, job.lon, lats, lons)
    order = np.argsort(distance_km, kind="stable")[:NEAREST_LISTED]
    return [
        NearbyVan(
            van_id=int(fleet.van_ids[indexes[k]]),
            plate=fleet.plates[indexes[k]],
            kind=fleet.kinds[indexes[k]].value,
            station_name=fleet.station_names.get(int(fleet.station_ids[indexes[k]]), ""),
            distance_km=round(float(distance_km[k]), 1),
        )
        for k in order
    ]


def _live_state(session: Session, van_ids: list[int]) -> dict[int, _Live]:
    if not van_ids:
        return {}
    columns = (Van.id, Van.status, Van.current_job_id, Van.last_lat, Van.last_lon, Van.last_position_at)
    query = sa_select(*(col(c) for c in columns)).where(ids_in(session, Van.id, van_ids))
    rows = session.execute(query).all()
    return {int(r[0]): _Live(r[1], r[2], r[3], r[4], r[5]) for r in rows if r[0] is not None}


def _current_jobs(session: Session, job_ids: list[uuid.UUID]) -> dict[uuid.UUID, RescueJob]:
    if not job_ids:
        return {}
    jobs = session.exec(select(RescueJob).where(col(RescueJob.id).in_(job_ids))).all()
    return {j.id: j for j in jobs}


def _local_date(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def _local_minute(now: datetime, timezone: str) -> int:
    local = now.astimezone(ZoneInfo(timezone))
    return local.hour * 60 + local.minute
