"""Administering the fleet without HTTP: stations, vans, crews and shifts created, edited and retired.

Nothing here is ever deleted: jobs, offers, plans and events point at stations, vans and technicians, so a
retired one keeps its row (``retired_at`` set) and drops out of matching, offers and planning. Services
add and flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from dispatch.auth.models import User
from dispatch.errors import Conflict, InvalidInput, NotFound
from dispatch.fleet.models import ServiceStation, Technician, Van, VanKind, VanStatus
from dispatch.geo.divisions import Level, by_adcode
from dispatch.jobs.fleet_snapshot import invalidate_fleet_snapshots
from dispatch.owners.plates import normalise_plate

# Statuses an admin may set; "busy" belongs to dispatch and "retired" to `retire_van`.
ADMIN_VAN_STATUSES = frozenset({VanStatus.AVAILABLE, VanStatus.OFF_DUTY, VanStatus.OUT_OF_SERVICE})


def network_is_empty(session: Session) -> bool:
    """No station at all: a fresh database (the demo world is only ever seeded into one of these)."""
    return session.exec(select(func.count()).select_from(ServiceStation)).one() == 0


def county_city(county_adcode: str, *, field: str = "county_adcode") -> str:
    """The prefecture-level city of a known county (or city) adcode; InvalidInput otherwise."""
    division = by_adcode().get(county_adcode)
    if division is None or division.level is Level.PROVINCE:
        raise InvalidInput(
            f"未知的县区代码 {county_adcode} / Unknown county adcode {county_adcode}", field=field
        )
    return division.city_adcode


def get_station(session: Session, station_id: int) -> ServiceStation:
    station = session.get(ServiceStation, station_id)
    if station is None:
        raise NotFound(f"未找到服务站 {station_id} / Station {station_id} not found")
    return station


def get_van(session: Session, van_id: int) -> Van:
    van = session.get(Van, van_id)
    if van is None:
        raise NotFound(f"未找到车辆 {van_id} / Van {van_id} not found")
    return van


def get_technician(session: Session, technician_id: int) -> Technician:
    technician = session.get(Technician, technician_id)
    if technician is None:
        raise NotFound(f"未找到技术员 {technician_id} / Technician {technician_id} not found")
    return technician


def active_station(session: Session, station_id: int, *, field: str = "station_id") -> ServiceStation:
    """A station that may take vans: it exists and is not retired (InvalidInput naming `field`)."""
    station = session.get(ServiceStation, station_id)
    if station is None or station.retired_at is not None:
        raise InvalidInput(
            f"服务站 {station_id} 不存在或已停用 / Station {station_id} does not exist or is retired",
            field=field,
        )
    return station


def active_van(session: Session, van_id: int, *, field: str = "van_id") -> Van:
    van = session.get(Van, van_id)
    if van is None or van.retired_at is not None:
        raise InvalidInput(
            f"车辆 {van_id} 不存在或已停用 / Van {van_id} does not exist or is retired", field=field
        )
    return van


def create_station(*, session: Session, values: dict[str, Any]) -> ServiceStation:
    code = values["code"]
    if session.exec(select(ServiceStation.id).where(ServiceStation.code == code)).first() is not None:
        raise Conflict(f"服务站代码 {code} 已存在 / Station code {code} is taken", field="code")
    station = ServiceStation(**values, city_adcode=county_city(values["county_adcode"]))
    session.add(station)
    session.flush()
    invalidate_fleet_snapshots()
    return station


def update_station(*, session: Session, station: ServiceStation, changes: dict[str, Any]) -> ServiceStation:
    _refuse_retired(station.retired_at, "服务站 / Station")
    if "county_adcode" in changes:
        changes["city_adcode"] = county_city(changes["county_adcode"])
    for name, value in changes.items():
        setattr(station, name, value)
    session.add(station)
    session.flush()
    invalidate_fleet_snapshots()
    return station


def retire_station(*, session: Session, station: ServiceStation, now: datetime) -> ServiceStation:
    """Retire a station once no active van calls it home (409 otherwise: move or retire them first)."""
    if station.retired_at is not None:
        return station
    vans = session.exec(
        select(Van.plate).where(Van.station_id == station.id, col(Van.retired_at).is_(None))
    ).all()
    if vans:
        raise Conflict(
            f"服务站仍有 {len(vans)} 辆在用车辆，请先调走或停用 / The station still has {len(vans)} active "
            f"vans; move or retire them first",
            details={"plates": sorted(vans)},
        )
    station.retired_at = now
    session.add(station)
    session.flush()
    invalidate_fleet_snapshots()
    return station


def create_van(*, session: Session, values: dict[str, Any]) -> Van:
    values = dict(values)
    values["plate"] = plate = normalise_plate(values["plate"])
    if session.exec(select(Van.id).where(Van.plate == plate)).first() is not None:
        raise Conflict(f"车牌 {plate} 已存在 / Plate {plate} is taken", field="plate")
    active_station(session, values["station_id"])
    _check_van_fields(values)
    van = Van(**values)
    session.add(van)
    session.flush()
    invalidate_fleet_snapshots()
    return van


def update_van(*, session: Session, van: Van, changes: dict[str, Any]) -> Van:
    """Edit a van's name, kind, capabilities, home station, shift or (admin) status."""
    _refuse_retired(van.retired_at, "车辆 / Van")
    if "station_id" in changes:
        active_station(session, changes["station_id"])
    _check_van_fields(changes)
    if "status" in changes and van.current_job_id is not None:
        raise Conflict(
            "车辆正在执行任务 / The van holds a job; change its status after the job", field="status"
        )
    for name, value in changes.items():
        setattr(van, name, value)
    session.add(van)
    session.flush()
    invalidate_fleet_snapshots()
    return van


def set_shift(*, session: Session, van: Van, shift_start: time, shift_end: time) -> Van:
    """A van's daily shift in local time; end before start crosses midnight, equal means round the clock."""
    return update_van(session=session, van=van, changes={"shift_start": shift_start, "shift_end": shift_end})


def retire_van(*, session: Session, van: Van, now: datetime) -> Van:
    """Retire a van (409 while it holds a job); its crew is released so they can join another van."""
    if van.retired_at is not None:
        return van
    if van.current_job_id is not None:
        raise Conflict("车辆正在执行任务，不能停用 / The van holds a job and cannot be retired now")
    van.status, van.retired_at = VanStatus.RETIRED, now
    session.add(van)
    for technician in session.exec(select(Technician).where(Technician.van_id == van.id)):
        technician.van_id = None
        session.add(technician)
    session.flush()
    invalidate_fleet_snapshots()
    return van


def create_technician(*, session: Session, values: dict[str, Any]) -> Technician:
    if values.get("van_id") is not None:
        active_van(session, values["van_id"])
    technician = Technician(**values)
    session.add(technician)
    session.flush()
    return technician


def update_technician(*, session: Session, technician: Technician, changes: dict[str, Any]) -> Technician:
    """Edit a technician; ``van_id`` assigns them to a crew (or releases them with null)."""
    _refuse_retired(technician.retired_at, "技术员 / Technician")
    if changes.get("van_id") is not None:
        active_van(session, changes["van_id"])
    for name, value in changes.items():
        setattr(technician, name, value)
    session.add(technician)
    session.flush()
    return technician


def retire_technician(*, session: Session, technician: Technician, now: datetime) -> Technician:
    """Retire a technician: off their crew, and their tablet account can no longer sign in."""
    if technician.retired_at is not None:
        return technician
    technician.is_active, technician.van_id, technician.retired_at = False, None, now
    session.add(technician)
    for user in session.exec(select(User).where(User.technician_id == technician.id)):
        user.is_active = False
        session.add(user)
    session.flush()
    return technician


def _check_van_fields(values: dict[str, Any]) -> None:
    if values.get("kind") is not None:
        VanKind(values["kind"])
    status = values.get("status")
    if status is not None and VanStatus(status) not in ADMIN_VAN_STATUSES:
        raise InvalidInput(
            "状态只能设为 available、off_duty 或 out_of_service / Status can only be set to available, "
            "off_duty or out_of_service (retire a van with /retire)",
            field="status",
        )


def _refuse_retired(retired_at: datetime | None, what: str) -> None:
    if retired_at is not None:
        raise Conflict(f"{what} 已停用，不能修改 / It is retired and cannot be edited")
