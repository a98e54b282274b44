"""Factories for rescue-job tests: jobs placed in Ningbo, the seeded vans by plate, a scripted picker."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, time
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.fleet.models import ServiceStation, Van, VanKind
from dispatch.jobs.fleet_snapshot import invalidate_fleet_snapshots
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.jobs.offers import OfferTarget
from dispatch.references import public_reference, tracking_token
from dispatch.tracking.models import TrackingLink

# Haishu district, Ningbo: a few km from the two Ningbo stations of the small seed world.
NINGBO = (29.8683, 121.5440)
_plates = itertools.count(1)

# Seeded rescue vans (small world): day vans 08-20, night vans 20-08.
NINGBO_DAY_EV_TOW = "浙BR9819"
NINGBO_DAY_TOW = "浙BY7341"
NINGBO_NIGHT_TOW = "浙BL6057"
NINGBO_DAY_EV_TOW_2 = "浙BT8331"
TAIZHOU_DAY_EV_TOW = "浙JU0105"


def insert_job(session: Session, now: datetime, **overrides: Any) -> RescueJob:
    """A job row as intake would create it (status created, tracking link), without matching."""
    plate = overrides.pop("vehicle_plate", f"浙Z{next(_plates):05d}")
    fields: dict[str, Any] = {
        "reference": public_reference("RJ", now),
        "caller_name": "王先生",
        "caller_phone": "13800000000",
        "vehicle_plate": plate,
        "powertrain": "ice",
        "open_vehicle_key": plate,
        "fault_category": "flat_tyre",
        "lat": NINGBO[0],
        "lon": NINGBO[1],
        "location_source": "wgs84",
        "city_adcode": "330200",
        "county_adcode": "330203",
        "created_by": "agent",
        "created_at": now,
        "updated_at": now,
    }
    fields.update(overrides)
    job = RescueJob(**fields)
    session.add(job)
    session.flush()
    session.add(TrackingLink(token=tracking_token(), job_id=job.id, created_at=now))
    session.flush()
    return job


def on_connection(connection: Connection) -> Callable[[], Session]:
    """Sessions for a background worker that share the test's connection (and its rolled-back transaction)."""
    return lambda: Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


def insert_round_the_clock_vans(session: Session, count: int) -> list[int]:
    """``count`` free rescue vans at the first station, on duty all day, flushed; their ids."""
    station = session.exec(select(ServiceStation)).first()
    assert station is not None and station.id is not None
    vans = [
        Van(
            plate=f"测{uuid.uuid4().hex[:6].upper()}",
            kind=VanKind.RESCUE,
            station_id=station.id,
            capabilities=["light_repair", "tow"],
            shift_start=time(0, 0),
            shift_end=time(0, 0),
        )
        for _ in range(count)
    ]
    session.add_all(vans)
    session.flush()
    return [van.id for van in vans if van.id is not None]


@pytest.fixture
def make_job(db: Session, clock: FrozenClock) -> Callable[..., RescueJob]:
    return lambda **overrides: insert_job(db, clock.now(), **overrides)


@pytest.fixture
def van_id(db: Session) -> Callable[[str], int]:
    def lookup(plate: str) -> int:
        van = db.exec(select(Van).where(Van.plate == plate)).one()
        assert van.id is not None
        return van.id

    return lookup


class ScriptedPicker:
    """A picker that offers vans in a fixed order (the tests of offers don't depend on matching)."""

    def __init__(self, van_ids: Iterable[int]):
        self.van_ids = list(van_ids)

    def __call__(
        self, *, session: Session, job: RescueJob, now: datetime, exclude_van_ids: frozenset[int]
    ) -> list[OfferTarget]:
        return [
            OfferTarget(van_id=v, rank=i + 1, distance_km=5.0, eta_s=900)
            for i, v in enumerate(self.van_ids)
            if v not in exclude_van_ids
        ]


def status_of(session: Session, job: RescueJob) -> JobStatus:
    session.refresh(job)
    return JobStatus(job.status)


@pytest.fixture(autouse=True)
def _fresh_fleet_snapshot() -> None:
    """Tests add and roll back vans; never let one test's fleet leak into the next."""
    invalidate_fleet_snapshots()
