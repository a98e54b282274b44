"""A breakdown call becomes a rescue job: location resolved, vehicle identified, duplicates refused.

``create_job(*, session, request, actor, now, online_geocoder=None) -> NewJob`` resolves the location
(coordinates in WGS-84 / GCJ-02 / BD-09 converted to WGS-84, or a Chinese address geocoded), identifies the
vehicle (known plate or VIN fills in model and powertrain), and inserts the job with its owner's tracking
link. A vehicle with an open job gets ``DuplicateOpenJob`` (409) naming that job: the insert itself is the
check (the unique ``open_vehicle_key`` column), so it holds under concurrent calls and costs no extra read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from dispatch.errors import DuplicateOpenJob, InvalidInput
from dispatch.events.service import record_event
from dispatch.jobs.geocoding import OnlineGeocoder, Place, geocode_address, locate_point
from dispatch.jobs.location_check import AddressSource, Disagreement, address_of_point, disagreement
from dispatch.jobs.models import JobPriority, LocationSource, RescueJob
from dispatch.jobs.schemas import JobCreate, LocationIn, VehicleIn
from dispatch.owners.models import Vehicle
from dispatch.references import insert_with_reference, public_reference, tracking_token
from dispatch.tracking.models import TrackingLink
from routing.datums import Datum, to_wgs84


@dataclass(frozen=True)
class NewJob:
    job: RescueJob
    tracking_token: str


def create_job(
    *,
    session: Session,
    request: JobCreate,
    actor: str,
    now: datetime,
    online_geocoder: OnlineGeocoder | None = None,
) -> NewJob:
    """Insert a new job in ``created`` with its ``job.created`` event and tracking link."""
    vehicle_key, known = _identify_vehicle(session, request.vehicle)
    place, source, reported = resolve_location(request.location, online_geocoder)
    address, address_source = request.location.address or "", AddressSource.CALLER
    conflict = disagreement(place, address) if source is not LocationSource.ADDRESS else None
    if not address:
        address, address_source = address_of_point(place, online_geocoder)
    powertrain = request.vehicle.powertrain or (known.powertrain if known else None)
    if powertrain is None:
        raise InvalidInput(
            "请提供动力类型（燃油/混动/纯电）/ Powertrain is required (ice, hybrid, ev)",
            field="vehicle.powertrain",
        )
    job = RescueJob(
        reference=public_reference("RJ", now),
        priority=_priority(request),
        priority_reasons=[r.value for r in request.priority_reasons],
        caller_name=request.caller_name,
        caller_phone=request.caller_phone,
        vehicle_id=known.id if known else None,
        vehicle_plate=request.vehicle.plate or (known.plate if known else None),
        vehicle_vin=request.vehicle.vin or (known.vin if known else None),
        vehicle_model=request.vehicle.model or (known.model if known else ""),
        powertrain=powertrain,
        open_vehicle_key=vehicle_key,
        fault_category=request.fault_category,
        fault_description=request.fault_description,
        lat=round(place.lat, 7),
        lon=round(place.lon, 7),
        location_source=source,
        reported_lat=reported[0] if reported else None,
        reported_lon=reported[1] if reported else None,
        address=address,
        address_source=address_source,
        location_conflict_km=conflict.distance_km if conflict else None,
        needs_attention=conflict is not None,
        attention_reason=conflict_reason(conflict) if conflict else None,
        geocode_precision=place.precision,
        province_name=place.province_name,
        city_adcode=place.city_adcode,
        county_adcode=place.county_adcode,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _insert_once(session, job, vehicle_key, now)
    link = TrackingLink(token=tracking_token(), job_id=job.id, created_at=now)
    session.add(link)
    record_event(
        session,
        kind="job.created",
        actor=actor,
        at=now,
        job_id=job.id,
        city_adcode=job.city_adcode,
        to_status=job.status,
        data={
            "reference": job.reference,
            "fault_category": job.fault_category,
            "priority": job.priority,
            "geocode_precision": job.geocode_precision,
            "location_conflict_km": job.location_conflict_km,
        },
    )
    return NewJob(job, link.token)


def conflict_reason(conflict: Disagreement) -> str:
    return (
        f"坐标与地址（{conflict.address_place}）相距 {conflict.distance_km} 公里，已按坐标派车 / "
        f"The coordinates are {conflict.distance_km} km from the address ({conflict.address_place}); "
        "the coordinates are used"
    )


def _identify_vehicle(session: Session, vehicle: VehicleIn) -> tuple[str, Vehicle | None]:
    """The key that makes a second open job for the same vehicle impossible: VIN if known, else plate."""
    if not vehicle.plate and not vehicle.vin:
        raise InvalidInput("请提供车牌号或车架号 / Plate or VIN is required", field="vehicle.plate")
    conditions = []
    if vehicle.plate:
        conditions.append(col(Vehicle.plate) == vehicle.plate)
    if vehicle.vin:
        conditions.append(col(Vehicle.vin) == vehicle.vin)
    known = session.exec(select(Vehicle).where(or_(*conditions))).first()
    if known is not None:
        return known.vin, known
    return (vehicle.vin or vehicle.plate or ""), None


def _open_job_for(session: Session, vehicle_key: str) -> RescueJob | None:
    return session.exec(select(RescueJob).where(RescueJob.open_vehicle_key == vehicle_key)).first()


def _insert_once(session: Session, job: RescueJob, vehicle_key: str, now: datetime) -> None:
    """Insert inside a savepoint: a vehicle that already has an open job turns into a clean 409."""
    try:
        insert_with_reference(session, job, lambda: public_reference("RJ", now))
    except IntegrityError:
        existing = _open_job_for(session, vehicle_key)
        if existing is None:
            raise
        raise _duplicate(existing) from None


def _duplicate(existing: RescueJob) -> DuplicateOpenJob:
    return DuplicateOpenJob(
        f"该车辆已有进行中的救援单 {existing.reference} / "
        f"This vehicle already has an open rescue job {existing.reference}",
        field="vehicle",
        details={"job_id": str(existing.id), "reference": existing.reference, "status": existing.status},
    )


def resolve_location(
    location: LocationIn, online: OnlineGeocoder | None
) -> tuple[Place, LocationSource, tuple[float, float] | None]:
    """WGS-84 point, where it came from, and the coordinates as reported (before datum conversion)."""
    if location.lat is not None or location.lon is not None:
        if location.lat is None or location.lon is None:
            missing = "location.lat" if location.lat is None else "location.lon"
            raise InvalidInput(f"缺少 {missing} / {missing} is required with coordinates", field=missing)
        lat, lon = to_wgs84(location.lat, location.lon, location.datum)
        place = locate_point(lat, lon)
        assert place is not None
        return place, LocationSource(Datum(location.datum).value), (location.lat, location.lon)
    if location.address:
        return geocode_address(location.address, online=online), LocationSource.ADDRESS, None
    raise InvalidInput(
        "请提供坐标或地址 / Give coordinates (lat, lon, datum) or an address", field="location"
    )


def _priority(request: JobCreate) -> JobPriority:
    """Any stated risk (highway, children on board...) makes a normal job high priority."""
    if request.priority is JobPriority.NORMAL and request.priority_reasons:
        return JobPriority.HIGH
    return request.priority
