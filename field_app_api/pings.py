"""GPS pings from a van: stored in bulk, moving the van forward in time only, refreshing its ETA.

One request (one ping or up to 500 queued offline) costs a handful of statements whatever its size:
one multi-row INSERT, one conditional UPDATE of the van, and, only when the van moved forward, one read
of its en-route job and possibly one UPDATE of that job's ETA plus its ``job.eta`` event.

Rules:
- A ping older than the van's last known position never moves the van back: the UPDATE carries
  ``WHERE last_position_at IS NULL OR last_position_at < :newest`` (a database-side guarantee that holds
  with concurrent requests too). Old pings are still stored for the track history.
- A ping outside China (a GPS fix of (0, 0), a simulator's default) is neither stored nor moves the van;
  it is counted in the answer (``rejected_outside``) and the other pings of the request go on.
- Pings stamped more than `FUTURE_TOLERANCE` ahead of the server clock are ignored (a wrong device
  clock would otherwise freeze the van's position until that time) and counted in the answer.
- ETA: when the van is driving to a job (``en_route``), its drive time from the newest position is
  recomputed; ``eta_at`` = ping time (or the moment it set off, if later) + drive time, never before now.
  The job's ETA and a ``job.eta`` event are written only when ``eta_at`` moves by at least
  ``eta_update_threshold_s`` (60 s by default), so a van on schedule writes no events at all, while a
  delay of a minute or more reaches the owner's tracking link.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, update
from sqlmodel import Session, col, select

from dispatch.events.service import record_event
from dispatch.fleet.models import Van
from dispatch.jobs.departure import drive_starts_at, set_off_at
from dispatch.jobs.geocoding import in_service_country
from dispatch.jobs.lifecycle import affected_rows, forget_cached_van
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.tracking.models import GpsPing
from dispatch.travel_times import DriveTime
from routing.geodesy import Location

FUTURE_TOLERANCE = timedelta(minutes=2)


@dataclass(frozen=True)
class Ping:
    lat: float
    lon: float
    recorded_at: datetime
    accuracy_m: float | None = None
    speed_kmh: float | None = None
    heading_deg: float | None = None


@dataclass(frozen=True)
class EtaUpdate:
    job_id: uuid.UUID
    eta_s: int
    eta_at: datetime
    changed: bool
    eta_kind: str | None = None


@dataclass(frozen=True)
class PingIngest:
    accepted: int
    ignored_future: int
    position_updated: bool
    last_position_at: datetime | None
    eta: EtaUpdate | None
    rejected_outside: int = 0


def record_pings(
    *,
    session: Session,
    van_id: int,
    pings: Sequence[Ping],
    actor: str,
    now: datetime,
    drive_time: DriveTime,
    eta_threshold_s: int,
) -> PingIngest:
    """Store `pings` for `van_id`, advance the van's position if they are newer, refresh its ETA."""
    inside = _inside_china(pings)
    outside = len(pings) - len(inside)
    fresh = [p for p in inside if p.recorded_at <= now + FUTURE_TOLERANCE]
    ignored = len(inside) - len(fresh)
    if not fresh:
        return PingIngest(0, ignored, False, _last_position_at(session, van_id), None, outside)
    # RETURNING makes SQLAlchemy batch the rows into one cached multi-row INSERT ("insertmanyvalues"):
    # a single round trip, where a plain executemany sends one statement per row.
    session.execute(insert(GpsPing).returning(col(GpsPing.id)), [_ping_row(van_id, p, now) for p in fresh])
    newest = max(fresh, key=lambda p: p.recorded_at)
    if not _advance_van(session, van_id, newest):
        return PingIngest(len(fresh), ignored, False, _last_position_at(session, van_id), None, outside)
    eta = _refresh_eta(session, van_id, newest, actor, now, drive_time, eta_threshold_s)
    return PingIngest(len(fresh), ignored, True, newest.recorded_at, eta, outside)


def _inside_china(pings: Sequence[Ping]) -> list[Ping]:
    """The pings inside China; a van's pings cluster, so each ~1 km cell is looked up once."""
    verdicts: dict[tuple[float, float], bool] = {}
    inside = []
    for ping in pings:
        cell = (round(ping.lat, 2), round(ping.lon, 2))
        if cell not in verdicts:
            verdicts[cell] = in_service_country(ping.lat, ping.lon)
        if verdicts[cell]:
            inside.append(ping)
    return inside


def _ping_row(van_id: int, ping: Ping, now: datetime) -> dict[str, object]:
    return {
        "van_id": van_id,
        "lat": ping.lat,
        "lon": ping.lon,
        "accuracy_m": ping.accuracy_m,
        "speed_kmh": ping.speed_kmh,
        "heading_deg": ping.heading_deg,
        "recorded_at": ping.recorded_at,
        "received_at": now,
    }


def _advance_van(session: Session, van_id: int, newest: Ping) -> bool:
    """Move the van to `newest` unless it already has a newer position; True if it moved."""
    result = session.execute(
        update(Van)
        .where(
            col(Van.id) == van_id,
            or_(col(Van.last_position_at).is_(None), col(Van.last_position_at) < newest.recorded_at),
        )
        .values(
            last_lat=newest.lat,
            last_lon=newest.lon,
            last_position_at=newest.recorded_at,
            last_speed_kmh=newest.speed_kmh,
            last_heading_deg=newest.heading_deg,
        )
        .execution_options(synchronize_session=False)
    )
    forget_cached_van(session, van_id)
    return affected_rows(result) == 1


def _last_position_at(session: Session, van_id: int) -> datetime | None:
    return session.exec(select(Van.last_position_at).where(Van.id == van_id)).one_or_none()


def _refresh_eta(
    session: Session,
    van_id: int,
    newest: Ping,
    actor: str,
    now: datetime,
    drive_time: DriveTime,
    threshold_s: int,
) -> EtaUpdate | None:
    job = session.exec(
        select(RescueJob).where(RescueJob.van_id == van_id, RescueJob.status == JobStatus.EN_ROUTE.value)
    ).first()
    if job is None:
        return None
    drive = drive_time(Location(newest.lat, newest.lon), Location(job.lat, job.lon))
    started = drive_starts_at(newest.recorded_at, set_off_at(session, job.id))
    eta_at = max(now, started + timedelta(seconds=round(drive.duration_s)))
    eta_s = round((eta_at - now).total_seconds())
    previous = job.eta_at
    same_kind = job.eta_kind == drive.kind.value
    if previous is not None and same_kind and abs((eta_at - previous).total_seconds()) < threshold_s:
        kept_s = job.eta_s if job.eta_s is not None else eta_s
        return EtaUpdate(job.id, kept_s, previous, changed=False, eta_kind=job.eta_kind)
    result = session.execute(
        update(RescueJob)
        .where(col(RescueJob.id) == job.id, col(RescueJob.status) == JobStatus.EN_ROUTE.value)
        .values(eta_s=eta_s, eta_at=eta_at, eta_kind=drive.kind.value)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:  # the job moved on (arrived, cancelled) meanwhile
        return None
    record_event(
        session,
        kind="job.eta",
        actor=actor,
        at=now,
        job_id=job.id,
        van_id=van_id,
        city_adcode=job.city_adcode,
        data={
            "eta_s": eta_s,
            "eta_at": eta_at.isoformat(),
            "eta_kind": drive.kind.value,
            "previous_eta_at": previous.isoformat() if previous else None,
            "lat": newest.lat,
            "lon": newest.lon,
            "position_at": newest.recorded_at.isoformat(),
        },
    )
    session.expire(job, ["eta_s", "eta_at", "eta_kind"])
    return EtaUpdate(job.id, eta_s, eta_at, changed=True, eta_kind=drive.kind.value)
