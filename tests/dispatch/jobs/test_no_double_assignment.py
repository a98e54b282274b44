"""No double assignment, proven on PostgreSQL with real commits from 50 separate connections."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from dispatch.clock import FrozenClock
from dispatch.db import make_engine
from dispatch.errors import VanUnavailable
from dispatch.events.models import Event
from dispatch.fleet.models import Van
from dispatch.jobs.models import JobOffer, RescueJob
from dispatch.jobs.offers import offer_job
from dispatch.settings import Settings
from dispatch.tracking.models import TrackingLink
from tests.conftest import is_postgres
from tests.dispatch.jobs.conftest import insert_job, insert_round_the_clock_vans

ATTEMPTS = 50

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL (DISPATCH_TEST_DATABASE_URL)"),
]


@pytest.fixture
def contested(engine: Engine, clock: FrozenClock) -> Iterator[tuple[int, list[uuid.UUID]]]:
    """One committed van and 50 committed jobs that all want it; removed again afterwards."""
    with Session(engine) as session:
        (van_id,) = insert_round_the_clock_vans(session, 1)
        jobs = [
            insert_job(session, clock.now(), vehicle_plate=f"测{uuid.uuid4().hex[:8]}") for _ in range(50)
        ]
        session.commit()
        job_ids = [j.id for j in jobs]
    yield van_id, job_ids
    with Session(engine) as session:
        session.execute(update(Van).where(col(Van.id) == van_id).values(current_job_id=None))
        session.execute(delete(JobOffer).where(col(JobOffer.job_id).in_(job_ids)))
        session.execute(delete(Event).where(col(Event.job_id).in_(job_ids)))
        session.execute(delete(TrackingLink).where(col(TrackingLink.job_id).in_(job_ids)))
        session.execute(delete(RescueJob).where(col(RescueJob.id).in_(job_ids)))
        session.execute(delete(Van).where(col(Van.id) == van_id))
        session.commit()


def test_fifty_concurrent_dispatches_of_one_van_have_one_winner(
    settings: Settings, clock: FrozenClock, contested: tuple[int, list[uuid.UUID]]
) -> None:
    van_id, job_ids = contested
    racing_engine = make_engine(settings, pool_size=ATTEMPTS + 2, max_overflow=0)
    start = threading.Barrier(ATTEMPTS)
    results: Counter[str] = Counter()
    lock = threading.Lock()  # guards the test's own tally only; the database decides who wins

    def attempt(job_id: uuid.UUID) -> None:
        with Session(racing_engine, expire_on_commit=False) as session:
            job = session.get(RescueJob, job_id)
            assert job is not None
            session.connection()  # each thread holds its own connection before the race starts
            start.wait(timeout=30)
            try:
                offer_job(
                    session=session, job=job, van_id=van_id, actor="agent", now=clock.now(), timeout_s=90
                )
                session.commit()
                outcome = "won"
            except VanUnavailable as exc:
                session.rollback()
                outcome = f"http_{exc.status_code}"
        with lock:
            results[outcome] += 1

    threads = [threading.Thread(target=attempt, args=(job_id,)) for job_id in job_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    racing_engine.dispose()

    assert results == Counter({"won": 1, "http_409": ATTEMPTS - 1})
    check_engine = make_engine(settings)
    with Session(check_engine) as session:
        assignments = session.exec(
            select(Event).where(col(Event.job_id).in_(job_ids), Event.to_status == "offered")
        ).all()
        van = session.get(Van, van_id)
        offers = session.exec(select(JobOffer).where(col(JobOffer.job_id).in_(job_ids))).all()
    check_engine.dispose()
    assert len(assignments) == 1 and len(offers) == 1
    assert van is not None and van.current_job_id == assignments[0].job_id == offers[0].job_id
