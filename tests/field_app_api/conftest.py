"""Factories for the tablet API tests: crews by username, jobs already assigned to a crew's van."""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from dispatch.auth.models import User
from dispatch.campaigns.models import Campaign, CampaignMode
from dispatch.clock import FrozenClock
from dispatch.fleet.models import ServiceStation, Technician, Van
from dispatch.jobs.models import VAN_HOLDING_STATUSES, JobStatus, RescueJob
from dispatch.references import public_reference
from dispatch.travel_times import Drive, EtaKind
from field_app_api.context import get_drive_time
from routing.geodesy import Location

# Haishu district, Ningbo: a few km from the Ningbo stations of the small seed world.
NINGBO = (29.8683, 121.5440)
PNG_1X1 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
_plates = itertools.count(1)


def one_day_campaign(db: Session, day: date, name: str = "宁海乡村服务日 / Ninghai service day") -> Campaign:
    """A door-to-door campaign in Ninghai on ``day`` only, hosted by the first station; flushed."""
    station_id = db.exec(select(ServiceStation.id)).first()
    assert station_id is not None
    campaign = Campaign(
        reference=f"CP-{uuid.uuid4().hex[:8]}",
        name=name,
        mode=CampaignMode.DOOR_TO_DOOR,
        county_adcodes=["330226"],
        start_date=day,
        end_date=day,
        host_station_id=station_id,
        daily_capacity=20,
        created_by="planner",
    )
    db.add(campaign)
    db.flush()
    return campaign


def van_of(db: Session, username: str) -> Van:
    user = db.exec(select(User).where(User.username == username)).one()
    technician = db.get(Technician, user.technician_id)
    assert technician is not None and technician.van_id is not None
    van = db.get(Van, technician.van_id)
    assert van is not None
    return van


@pytest.fixture
def crew_van(db: Session) -> Callable[[str], Van]:
    return lambda username: van_of(db, username)


@pytest.fixture
def make_job(db: Session, clock: FrozenClock) -> Callable[..., RescueJob]:
    """A job in `status` assigned to `username`'s van (holding the van while open), or unassigned."""

    def make(
        status: JobStatus = JobStatus.EN_ROUTE, username: str | None = "tech001", **overrides: Any
    ) -> RescueJob:
        now = clock.now()
        plate = f"浙Z{next(_plates):05d}"
        van = van_of(db, username) if username else None
        fields: dict[str, Any] = {
            "reference": public_reference("RJ", now),
            "status": status,
            "caller_name": "王先生",
            "caller_phone": "13800000000",
            "vehicle_plate": plate,
            "powertrain": "ice",
            "open_vehicle_key": plate,
            "fault_category": "flat_tyre",
            "lat": NINGBO[0],
            "lon": NINGBO[1],
            "location_source": "wgs84",
            "address": "宁波市海曙区中山西路 1 号",
            "city_adcode": "330200",
            "county_adcode": "330203",
            "van_id": van.id if van else None,
            "created_by": "agent",
            "created_at": now,
            "updated_at": now,
        }
        fields.update(overrides)
        job = RescueJob(**fields)
        db.add(job)
        db.flush()
        if van is not None and JobStatus(status) in VAN_HOLDING_STATUSES:
            van.current_job_id = job.id
            van.status = "busy"
            db.add(van)
        db.commit()
        return job

    return make


class StraightLineDriveTime:
    """A predictable drive time for tests: 1 s per 0.0001 degree of latitude or longitude (~11 m)."""

    def __call__(self, origin: Location, destination: Location) -> Drive:
        degrees = abs(origin.lat - destination.lat) + abs(origin.lon - destination.lon)
        return Drive(duration_s=degrees * 10_000, distance_km=degrees * 111.0, kind=EtaKind.ESTIMATE)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.dependency_overrides[get_drive_time] = StraightLineDriveTime
    return app


def new_key() -> str:
    return str(uuid.uuid4())


def png_file(name: str = "photo.png", payload: bytes = PNG_1X1) -> dict[str, tuple[str, io.BytesIO, str]]:
    return {"file": (name, io.BytesIO(payload), "image/png")}
