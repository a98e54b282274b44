"""Issue 15 defect 1: an ETA from an old GPS fix never shrinks because time passed before the van set off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from dispatch.clock import FrozenClock
from dispatch.jobs.lifecycle import transition
from dispatch.jobs.models import JobStatus
from dispatch.settings import Settings
from dispatch.travel_times import travel_provider
from routing.geodesy import Location
from tests.dispatch.tracking.conftest import JOB_LAT, JOB_LON, place_van

FIX = (JOB_LAT + 0.175, JOB_LON)  # about 19.5 km north of the breakdown


def _drive_s(settings: Settings) -> float:
    matrix = travel_provider(settings).matrix([Location(*FIX)], [Location(JOB_LAT, JOB_LON)])
    return float(matrix.duration_s[0, 0])


def test_a_van_setting_off_from_a_25_minute_old_fix_is_not_about_to_arrive(
    client: TestClient, tracked_job: Any, db: Session, clock: FrozenClock, settings: Settings
) -> None:
    tracked = tracked_job(JobStatus.ACCEPTED)
    place_van(db, tracked.van, *FIX, clock.now() - timedelta(minutes=25))
    transition(session=db, job=tracked.job, to_status=JobStatus.EN_ROUTE, actor="tech", now=clock.now())
    db.commit()
    body = client.get(f"/api/track/{tracked.link.token}").json()
    drive_s = _drive_s(settings)
    assert drive_s > 20 * 60
    assert body["eta_source"] == "van_position"
    assert body["eta_s"] == round(drive_s), "the drive starts when the van set off, not at the old fix"


def test_the_eta_counts_down_once_the_van_is_on_its_way(
    client: TestClient, tracked_job: Any, db: Session, clock: FrozenClock, settings: Settings
) -> None:
    tracked = tracked_job(JobStatus.ACCEPTED)
    place_van(db, tracked.van, *FIX, clock.now() - timedelta(minutes=25))
    transition(session=db, job=tracked.job, to_status=JobStatus.EN_ROUTE, actor="tech", now=clock.now())
    db.commit()
    clock.advance(300)
    body = client.get(f"/api/track/{tracked.link.token}").json()
    assert body["eta_s"] == round(_drive_s(settings)) - 300
