"""The soak's floor: one rescue's whole life through the service functions, in process, no HTTP.

Create the job, dispatch it, accept, drive (pings), arrive, work, add parts, complete: the same steps the
simulator's clients take over the network, so CPU per job here against CPU per job in the API workers
says what the HTTP, websocket and process boundaries cost.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from dispatch.auth.models import User
from dispatch.fleet.models import Technician
from dispatch.jobs import offers, service
from dispatch.jobs.intake import create_job
from dispatch.jobs.schemas import JobCreate
from dispatch.settings import Settings
from dispatch.travel_times import DriveTime, drive_time_for
from field_app_api import actions
from field_app_api.crew import load_crew
from field_app_api.schemas import CompletionReport, PartsCreate, PingIn, StatusChange
from seed.world import OwnerSpec, build_world

PINGS_PER_JOB = 20
FLOOR_ACTOR = "soak-floor"  # its jobs are left out of the soak's invariants


def cpu_per_job_s(settings: Settings, engine: Engine, jobs: int = 20) -> float:
    """Mean CPU seconds of one job's lifecycle through the services (after one warm-up job)."""
    world = build_world("province")
    owners = [o for o in world.owners if o.vehicles][: jobs + 1]
    drive_time = drive_time_for(settings)
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    started = 0.0
    for n, owner in enumerate(owners):
        if n == 1:
            started = time.process_time()
        now += timedelta(hours=3)
        with Session(engine, expire_on_commit=False) as session:
            _one_job(session, settings, drive_time, owner, now)
    return (time.process_time() - started) / max(1, len(owners) - 1)


def _one_job(
    session: Session, settings: Settings, drive_time: DriveTime, owner: OwnerSpec, now: datetime
) -> None:
    vehicle = owner.vehicles[0]
    request = JobCreate.model_validate(
        {
            "caller_name": owner.name,
            "caller_phone": owner.phone,
            "vehicle": {"plate": vehicle.plate, "powertrain": vehicle.powertrain, "model": vehicle.model},
            "fault_category": "flat_tyre",
            "location": {"lat": owner.lat, "lon": owner.lon},
        }
    )
    job = create_job(session=session, request=request, actor=FLOOR_ACTOR, now=now).job
    outcome = service.dispatch_job(session=session, job=job, actor="agent", now=now, settings=settings)
    session.commit()
    if outcome.offer is None:
        return
    van_id = outcome.offer.van_id
    offers.accept_offer(session=session, offer_id=outcome.offer.id or 0, van_id=van_id, actor="tech", now=now)
    session.commit()
    user = session.exec(
        select(User)
        .join(Technician, col(Technician.id) == col(User.technician_id))
        .where(Technician.van_id == van_id)
    ).first()
    assert user is not None
    ctx = actions.Context(
        session=session,
        crew=load_crew(session=session, user=user),
        now=now,
        settings=settings,
        drive_time=drive_time,
    )
    actions.change_status(ctx, job.id, StatusChange(status="en_route"))
    session.commit()
    for k in range(PINGS_PER_JOB):
        ping = PingIn(
            lat=job.lat + 0.01 * (PINGS_PER_JOB - k), lon=job.lon, recorded_at=now + timedelta(seconds=5 * k)
        )
        actions.record_pings(ctx, ping)
        session.commit()
    for step in ("on_site", "in_service"):
        actions.change_status(ctx, job.id, StatusChange(status=step))
        session.commit()
    actions.add_parts(
        ctx, job.id, PartsCreate.model_validate({"parts": [{"part_number": "TY-1", "quantity": 1}]})
    )
    actions.complete(
        ctx, job.id, CompletionReport(fault_found="nail", work_done="spare fitted", repaired_on_site=True)
    )
    session.commit()
