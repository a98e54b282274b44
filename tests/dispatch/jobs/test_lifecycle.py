"""The job state machine: every allowed move, the illegal ones, optimistic concurrency, closing effects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from dispatch.clock import FrozenClock
from dispatch.errors import IllegalTransition
from dispatch.events.models import Event
from dispatch.fleet.models import Van, VanStatus
from dispatch.jobs.lifecycle import ALLOWED_TRANSITIONS, transition
from dispatch.jobs.models import CLOSED_STATUSES, VAN_HOLDING_STATUSES, JobStatus, RescueJob
from dispatch.tracking.models import TrackingLink
from tests.dispatch.jobs.conftest import NINGBO_DAY_TOW

LEGAL = [(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [(a, b) for a in JobStatus for b in JobStatus if b not in ALLOWED_TRANSITIONS[a]]


def job_in(db: Session, make_job: Callable[..., RescueJob], status: JobStatus, van: int) -> RescueJob:
    """A job already in `status`; a van holds it when the status says a van should."""
    job = make_job(status=status)
    if status in VAN_HOLDING_STATUSES:
        job.van_id = van
        db_van = db.get(Van, van)
        assert db_van is not None
        db_van.current_job_id = job.id
        db_van.status = VanStatus.BUSY
        db.add_all([job, db_van])
        db.flush()
    return job


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_every_allowed_transition(
    db: Session,
    make_job: Callable[..., RescueJob],
    van_id: Callable[[str], int],
    clock: FrozenClock,
    from_status: JobStatus,
    to_status: JobStatus,
) -> None:
    van = van_id(NINGBO_DAY_TOW)
    job = job_in(db, make_job, from_status, van)
    details = {"van_id": van} if to_status in VAN_HOLDING_STATUSES and job.van_id is None else {}
    if to_status is JobStatus.OFFERED:
        db_van = db.get(Van, van)
        assert db_van is not None
        db_van.current_job_id, db_van.status = job.id, VanStatus.BUSY
        db.add(db_van)
    event = transition(session=db, job=job, to_status=to_status, actor="agent", now=clock.now(), **details)

    db.refresh(job)
    assert job.status == to_status
    assert job.version == 2
    assert (event.from_status, event.to_status, event.actor) == (from_status.value, to_status.value, "agent")
    held = db.exec(select(Van).where(Van.current_job_id == job.id)).first()
    if to_status in VAN_HOLDING_STATUSES:
        assert held is not None
    else:
        assert held is None, "a job that no longer holds its van releases it"
    if to_status in CLOSED_STATUSES:
        assert job.closed_at == clock.now()
        assert job.open_vehicle_key is None


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_illegal_transitions_are_409_with_the_current_state(
    db: Session,
    make_job: Callable[..., RescueJob],
    van_id: Callable[[str], int],
    clock: FrozenClock,
    from_status: JobStatus,
    to_status: JobStatus,
) -> None:
    job = job_in(db, make_job, from_status, van_id(NINGBO_DAY_TOW))
    with pytest.raises(IllegalTransition) as raised:
        transition(session=db, job=job, to_status=to_status, actor="agent", now=clock.now())
    assert raised.value.status_code == 409
    assert raised.value.details["current_status"] == from_status.value
    assert from_status.value in raised.value.message
    db.refresh(job)
    assert job.status == from_status and job.version == 1


def test_a_stale_copy_loses_the_race(
    db: Session, make_job: Callable[..., RescueJob], clock: FrozenClock
) -> None:
    job = make_job()
    # Another request moves the job on behind this session's back.
    db.execute(
        update(RescueJob)
        .where(col(RescueJob.id) == job.id)
        .values(status="uncovered", version=2)
        .execution_options(synchronize_session=False)
    )
    assert job.status == JobStatus.CREATED and job.version == 1
    with pytest.raises(IllegalTransition) as raised:
        transition(session=db, job=job, to_status=JobStatus.CANCELLED, actor="agent2", now=clock.now())
    assert raised.value.details["current_status"] == "uncovered"
    assert raised.value.details["reason"] == "stale"


def test_closing_releases_the_van_and_schedules_the_link_expiry(
    db: Session,
    make_job: Callable[..., RescueJob],
    van_id: Callable[[str], int],
    clock: FrozenClock,
) -> None:
    van = van_id(NINGBO_DAY_TOW)
    job = job_in(db, make_job, JobStatus.IN_SERVICE, van)
    transition(
        session=db,
        job=job,
        to_status=JobStatus.TOWED,
        actor="tech002",
        now=clock.now(),
        tracking_link_ttl_hours=24,
        towed_to_station_id=1,
        work_done="拖至服务站",
    )
    db.refresh(job)
    assert job.towed_to_station_id == 1 and job.work_done == "拖至服务站"
    assert job.closed_by == "tech002" and job.van_id == van, "the job remembers which van did it"
    db_van = db.get(Van, van)
    assert db_van is not None
    db.refresh(db_van)
    assert db_van.current_job_id is None and db_van.status == VanStatus.AVAILABLE
    link = db.exec(select(TrackingLink).where(TrackingLink.job_id == job.id)).one()
    assert link.expires_at == clock.now() + timedelta(hours=24)
    # The vehicle may have a new open job now.
    make_job(vehicle_plate=job.vehicle_plate)


def test_cancel_records_who_and_why_in_the_event(
    db: Session, make_job: Callable[..., RescueJob], clock: FrozenClock
) -> None:
    job = make_job()
    transition(
        session=db,
        job=job,
        to_status=JobStatus.CANCELLED,
        actor="agent",
        now=clock.now(),
        closed_reason="车主自行解决 / owner fixed it",
    )
    event = db.exec(select(Event).where(Event.job_id == job.id)).one()
    assert event.kind == "job.status"
    assert event.data == {"closed_reason": "车主自行解决 / owner fixed it"}
    assert job.closed_by == "agent" and job.closed_reason == "车主自行解决 / owner fixed it"
