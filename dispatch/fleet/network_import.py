"""Importing a whole network (stations, vans, crews, shifts) from CSV: all rows good, or nothing written.

The files are parsed (`dispatch.fleet.network_csv`), checked against each other and the database (a van's
station must exist in the files or the database and not be retired, a new van needs a shift, ...), and only
when no row has a problem applied inside one savepoint, matched by natural keys: station code, plate,
technician phone. A dry run applies the same way and rolls the savepoint back, so its counts are exact and
nothing is written. Re-importing the same files changes nothing (every row counts as ``unchanged``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from dispatch.errors import InvalidInput
from dispatch.fleet import service
from dispatch.fleet.models import ServiceStation, Technician, Van, VanStatus
from dispatch.fleet.network_csv import ParsedNetwork, Row, RowError, parse_network
from dispatch.jobs.fleet_snapshot import invalidate_fleet_snapshots
from dispatch.owners.plates import normalise_plate

KINDS = ("stations", "vans", "crews", "shifts")


@dataclass
class ImportReport:
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, kind: str, outcome: str) -> None:
        counts: dict[str, int] = getattr(self, outcome)
        counts[kind] += 1


@dataclass
class _Known:
    """What the database already holds, by natural key."""

    stations: dict[str, ServiceStation]
    vans: dict[str, Van]
    technicians: dict[str, Technician]


def import_network(
    *, session: Session, files: Mapping[str, bytes], now: datetime, dry_run: bool
) -> ImportReport:
    """Check every row; when all are good, apply them (a dry run rolls back). Errors are in the report."""
    report = ImportReport(dry_run=dry_run)
    network = parse_network(files)
    report.errors.extend(network.errors)
    known = _load_known(session)
    report.errors.extend(_cross_check(network, known))
    report.errors.sort(key=lambda e: (e.file, e.line, e.column or ""))
    if report.errors:
        return report
    savepoint = session.begin_nested()
    try:
        _apply(session, network, known, now, report)
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return report


def raise_if_failed(report: ImportReport) -> None:
    """A real import with bad rows is a 422 carrying every problem."""
    if report.ok or report.dry_run:
        return
    first, count = report.errors[0], len(report.errors)
    raise InvalidInput(
        f"导入失败：{count} 处错误，未写入任何数据 / Import refused: {count} problems, "
        f"nothing was written (first: {first.file} line {first.line} {first.column or ''}: {first.message})",
        field="files",
        details={"errors": [vars(e) for e in report.errors]},
    )


def _load_known(session: Session) -> _Known:
    return _Known(
        stations={s.code: s for s in session.exec(select(ServiceStation))},
        vans={normalise_plate(v.plate): v for v in session.exec(select(Van))},
        technicians={t.phone: t for t in session.exec(select(Technician))},
    )


def _cross_check(network: ParsedNetwork, known: _Known) -> list[RowError]:
    errors: list[RowError] = []
    file_stations = {r.values["code"] for r in network.stations}
    file_vans = {r.values["plate"]: r for r in network.vans}
    shift_plates = {r.values["plate"] for r in network.shifts}

    def error(row: Row, column: str, message: str) -> None:
        errors.append(RowError(row.file, row.line, column, message))

    for row in network.stations:
        existing = known.stations.get(row.values["code"])
        if existing is not None and existing.retired_at is not None:
            error(row, "code", "该服务站已停用 / This station is retired")
    for row in network.vans:
        plate, code = row.values["plate"], row.values["station_code"]
        station = known.stations.get(code)
        if code in network.bad_station_codes:
            pass  # its own row is reported
        elif code not in file_stations and (station is None or station.retired_at is not None):
            error(row, "station_code", f"服务站 {code} 不存在或已停用 / Station {code} unknown or retired")
        van = known.vans.get(plate)
        if van is None and plate not in shift_plates:
            error(row, "plate", "新车辆需在 shifts.csv 中有班次 / A new van needs a row in shifts.csv")
        if van is not None and van.retired_at is not None and row.values["status"] != "retired":
            error(row, "plate", "该车辆已停用 / This van is retired")
        if (
            van is not None
            and van.current_job_id is not None
            and row.values["status"] not in (None, "available")
        ):
            error(row, "status", "车辆正在执行任务 / The van holds a job now")
    for row in network.crews:
        technician = known.technicians.get(row.values["phone"])
        if technician is not None and technician.retired_at is not None and row.values["active"]:
            error(row, "phone", "该技术员已停用 / This technician is retired")
        plate = row.values["van_plate"]
        if plate is not None and not _van_usable(plate, file_vans, known, network.bad_plates):
            error(row, "van_plate", f"车辆 {plate} 不存在或已停用 / Van {plate} unknown or retired")
    for row in network.shifts:  # a retired van's shift may stay in the file (it is not applied)
        plate = row.values["plate"]
        if plate not in file_vans and plate not in known.vans and plate not in network.bad_plates:
            error(row, "plate", f"车辆 {plate} 不存在 / Van {plate} unknown")
    return errors


def _van_usable(plate: str, file_vans: dict[str, Row], known: _Known, bad_plates: set[str]) -> bool:
    """Can crews and shifts refer to this plate? (A plate whose own row is bad is reported there.)"""
    if plate in bad_plates:
        return True
    if plate in file_vans:
        return bool(file_vans[plate].values["status"] != "retired")
    van = known.vans.get(plate)
    return van is not None and van.retired_at is None


def _apply(
    session: Session, network: ParsedNetwork, known: _Known, now: datetime, report: ImportReport
) -> None:
    known_before = set(known.vans)
    for row in network.stations:
        _apply_station(session, row.values, known, report)
    session.flush()
    shifts = {r.values["plate"]: r.values for r in network.shifts}
    for row in network.vans:
        _apply_van(session, row.values, shifts.get(row.values["plate"]), known, now, report)
    session.flush()
    for row in network.crews:
        _apply_crew(session, row.values, known, now, report)
    new_plates = {r.values["plate"] for r in network.vans} - known_before
    for row in network.shifts:
        van = known.vans[row.values["plate"]]
        changes = _changed(van, {k: row.values[k] for k in ("shift_start", "shift_end")})
        if van.retired_at is not None:
            changes = {}
        if changes:
            service.update_van(session=session, van=van, changes=changes)
        outcome = "created" if row.values["plate"] in new_plates else "updated" if changes else "unchanged"
        report.count("shifts", outcome)
    session.flush()
    invalidate_fleet_snapshots()


def _apply_station(session: Session, values: Mapping[str, Any], known: _Known, report: ImportReport) -> None:
    fields = {k: v for k, v in values.items() if k != "code"}
    station = known.stations.get(values["code"])
    if station is None:
        # New rows were checked above: built directly and flushed once per kind (12,000 rows in seconds).
        station = ServiceStation(**values, city_adcode=service.county_city(values["county_adcode"]))
        session.add(station)
        known.stations[values["code"]] = station
        report.count("stations", "created")
        return
    changed = _changed(station, fields)
    if changed:
        service.update_station(session=session, station=station, changes=changed)
    report.count("stations", "updated" if changed else "unchanged")


def _apply_van(
    session: Session,
    values: Mapping[str, Any],
    shift: Mapping[str, Any] | None,
    known: _Known,
    now: datetime,
    report: ImportReport,
) -> None:
    station = known.stations[values["station_code"]]
    fields: dict[str, Any] = {
        "name": values["name"],
        "kind": values["kind"],
        "station_id": station.id,
        "capabilities": values["capabilities"],
    }
    status = values["status"]
    van = known.vans.get(values["plate"])
    if van is None:
        assert shift is not None
        fields |= {
            "plate": values["plate"],
            "shift_start": shift["shift_start"],
            "shift_end": shift["shift_end"],
        }
        fields["status"] = VanStatus.AVAILABLE if status is None else VanStatus(status)
        van = known.vans[values["plate"]] = Van(**fields, retired_at=now if status == "retired" else None)
        session.add(van)
        report.count("vans", "created")
        return
    if van.retired_at is not None:
        report.count("vans", "unchanged")
        return
    if status not in (None, "retired") and not (van.current_job_id is not None and status == "available"):
        fields["status"] = VanStatus(status)
    changed = _changed(van, fields)
    if changed:
        service.update_van(session=session, van=van, changes=changed)
    if status == "retired":
        service.retire_van(session=session, van=van, now=now)
    report.count("vans", "updated" if changed or status == "retired" else "unchanged")


def _apply_crew(
    session: Session, values: Mapping[str, Any], known: _Known, now: datetime, report: ImportReport
) -> None:
    van = known.vans.get(values["van_plate"]) if values["van_plate"] else None
    fields = {"name": values["name"], "skills": values["skills"], "van_id": van.id if van else None}
    technician = known.technicians.get(values["phone"])
    if technician is None:
        if not values["active"]:
            fields |= {"van_id": None, "is_active": False, "retired_at": now}
        technician = Technician(**fields, phone=values["phone"])
        session.add(technician)
        known.technicians[values["phone"]] = technician
        report.count("crews", "created")
        return
    if technician.retired_at is not None:
        report.count("crews", "unchanged")
        return
    changed = _changed(technician, fields)
    if changed:
        service.update_technician(session=session, technician=technician, changes=changed)
    if not values["active"]:
        service.retire_technician(session=session, technician=technician, now=now)
    report.count("crews", "updated" if changed or not values["active"] else "unchanged")


def _changed(entity: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from what is stored (lists compared as stored, enums by value)."""
    return {name: value for name, value in fields.items() if _plain(getattr(entity, name)) != _plain(value)}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    if isinstance(value, float):
        return round(value, 7)
    return getattr(value, "value", value)
