"""An agent corrects an open job: the caller's phone, the fault, the location.

Optimistic: the agent sends the ``version`` they saw; a job changed since (by a technician's status step,
another agent) is a 409 with the current version, never a silent overwrite. The change is a ``job.corrected``
event carrying the van id, so the crew's tablet stream is told at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from dispatch.errors import Conflict, InvalidInput
from dispatch.events.service import record_event
from dispatch.jobs.geocoding import OnlineGeocoder
from dispatch.jobs.intake import conflict_reason, resolve_location
from dispatch.jobs.lifecycle import affected_rows, is_closed
from dispatch.jobs.location_check import AddressSource, address_of_point, disagreement
from dispatch.jobs.models import LocationSource, RescueJob
from dispatch.jobs.schemas import JobUpdate


class StaleVersion(Conflict):
    code = "stale_version"


def correct_job(
    *,
    session: Session,
    job: RescueJob,
    request: JobUpdate,
    actor: str,
    now: datetime,
    online_geocoder: OnlineGeocoder | None = None,
) -> RescueJob:
    """Apply the agent's corrections to an open job; 409 when closed or when `request.version` is stale."""
    if is_closed(job.status):
        raise Conflict(
            f"救援单 {job.reference} 已关闭，不能修改 / Job {job.reference} is closed",
            details={"current_status": job.status},
        )
    if request.version != job.version:
        raise _stale(job.reference, job.version)
    changes = _changes(job, request, online_geocoder)
    if not changes:
        raise InvalidInput("没有要修改的内容 / Nothing to change", field="body")
    result = session.execute(
        update(RescueJob)
        .where(col(RescueJob.id) == job.id, col(RescueJob.version) == request.version)
        .values(**changes, version=request.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        current = session.exec(select(RescueJob.version).where(RescueJob.id == job.id)).one()
        raise _stale(job.reference, current)
    before = {name: _jsonable(getattr(job, name)) for name in changes}
    for name, value in {**changes, "version": request.version + 1, "updated_at": now}.items():
        set_committed_value(job, name, value)
    record_event(
        session,
        kind="job.corrected",
        actor=actor,
        at=now,
        job_id=job.id,
        van_id=job.van_id,
        city_adcode=job.city_adcode,
        data={"changes": {k: _jsonable(v) for k, v in changes.items()}, "before": before},
    )
    return job


def _changes(job: RescueJob, request: JobUpdate, online: OnlineGeocoder | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if request.caller_phone is not None and request.caller_phone != job.caller_phone:
        changes["caller_phone"] = request.caller_phone
    if request.fault_category is not None and request.fault_category != job.fault_category:
        changes["fault_category"] = request.fault_category.value
    if request.fault_description is not None and request.fault_description != job.fault_description:
        changes["fault_description"] = request.fault_description
    if request.location is not None:
        changes.update(_location_changes(request, online))
    return changes


def _location_changes(request: JobUpdate, online: OnlineGeocoder | None) -> dict[str, Any]:
    assert request.location is not None
    place, source, reported = resolve_location(request.location, online)
    address, address_source = request.location.address or "", AddressSource.CALLER
    conflict = disagreement(place, address) if source is not LocationSource.ADDRESS else None
    if not address:
        address, address_source = address_of_point(place, online)
    changes: dict[str, Any] = {
        "lat": round(place.lat, 7),
        "lon": round(place.lon, 7),
        "location_source": source.value,
        "reported_lat": reported[0] if reported else None,
        "reported_lon": reported[1] if reported else None,
        "address": address,
        "address_source": address_source,
        "geocode_precision": place.precision.value,
        "province_name": place.province_name,
        "city_adcode": place.city_adcode,
        "county_adcode": place.county_adcode,
        "location_conflict_km": conflict.distance_km if conflict else None,
    }
    if conflict is not None:
        changes["needs_attention"] = True
        changes["attention_reason"] = conflict_reason(conflict)
    return changes


def _stale(reference: str, current: int) -> StaleVersion:
    return StaleVersion(
        f"救援单 {reference} 已被他人更新，请刷新后再改 / "
        f"Job {reference} changed meanwhile: reload and retry",
        field="version",
        details={"current_version": current},
    )


def _jsonable(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value
