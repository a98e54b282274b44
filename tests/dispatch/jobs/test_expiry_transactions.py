"""The expiry sweep commits each offer on its own, so it never holds one van's claim while claiming another.

Under the soak benchmark (PostgreSQL, two API workers) a sweep that cascaded a whole batch in one transaction
deadlocked with a second worker's sweep claiming the same vans in another order. The proof here uses real
commits: while the sweep cascades its second offer, a separate connection must already see the first
offer's outcome (the re-offer and its van claim). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.fleet.models import Van
from dispatch.jobs.expiry_worker import OfferExpiryWorker
from dispatch.jobs.models import JobOffer, OfferStatus, RescueJob
from dispatch.jobs.offers import OfferTarget, offer_job
from dispatch.settings import Settings
from dispatch.tracking.models import TrackingLink
from tests.dispatch.jobs.conftest import insert_job, insert_round_the_clock_vans


class Committed:
    """Two jobs with offers that fell due (to vans ``first`` and ``second``) and two free vans, committed."""

    def __init__(self, engine: Engine, clock: FrozenClock) -> None:
        with Session(engine, expire_on_commit=False) as session:
            self.van_ids = insert_round_the_clock_vans(session, 4)
            self.jobs = [
                insert_job(session, clock.now(), vehicle_plate=f"测{uuid.uuid4().hex[:8]}") for _ in range(2)
            ]
            for job, van_id in zip(self.jobs, self.van_ids[:2], strict=True):
                offer_job(
                    session=session, job=job, van_id=van_id, actor="agent", now=clock.now(), timeout_s=90
                )
            session.commit()
        self.engine = engine

    @property
    def job_ids(self) -> list[uuid.UUID]:
        return [job.id for job in self.jobs]

    def holder_of(self, van_id: int) -> uuid.UUID | None:
        """Who holds the van, as another connection sees it (committed state only)."""
        with Session(self.engine) as session:
            van = session.get(Van, van_id)
            assert van is not None
            return van.current_job_id

    def remove(self) -> None:
        with Session(self.engine) as session:
            session.execute(update(Van).where(col(Van.id).in_(self.van_ids)).values(current_job_id=None))
            session.execute(delete(JobOffer).where(col(JobOffer.job_id).in_(self.job_ids)))
            session.execute(delete(Event).where(col(Event.job_id).in_(self.job_ids)))
            session.execute(delete(TrackingLink).where(col(TrackingLink.job_id).in_(self.job_ids)))
            session.execute(delete(RescueJob).where(col(RescueJob.id).in_(self.job_ids)))
            session.execute(delete(Van).where(col(Van.id).in_(self.van_ids)))
            session.commit()


@pytest.fixture
def committed(engine: Engine, clock: FrozenClock) -> Iterator[Committed]:
    world = Committed(engine, clock)
    yield world
    world.remove()


class WatchingPicker:
    """Offers each job its own free van; before the second cascade, looks at the first from outside."""

    def __init__(self, world: Committed, fail_first: bool = False) -> None:
        self.world = world
        self.fail_first = fail_first
        self.cascaded: list[uuid.UUID] = []
        self.seen_before_second: uuid.UUID | None = None

    def __call__(
        self, *, session: Session, job: RescueJob, now: datetime, exclude_van_ids: frozenset[int]
    ) -> list[OfferTarget]:
        self.cascaded.append(job.id)
        first_free, second_free = self.world.van_ids[2:]
        if len(self.cascaded) == 1:
            if self.fail_first:
                raise OperationalError("UPDATE vans", {}, Exception("deadlock detected"))
            return [OfferTarget(van_id=first_free)]
        self.seen_before_second = self.world.holder_of(first_free)
        return [OfferTarget(van_id=second_free)]


def sweeper(
    engine: Engine, settings: Settings, clock: FrozenClock, picker: WatchingPicker
) -> OfferExpiryWorker:
    """The worker as the app runs it: each session its own connection, committing for real."""
    return OfferExpiryWorker(
        session_factory=lambda: Session(engine, expire_on_commit=False),
        settings=settings,
        clock=clock,
        picker=picker,
    )


def test_each_expired_offer_is_committed_before_the_next_is_cascaded(
    engine: Engine, settings: Settings, clock: FrozenClock, committed: Committed
) -> None:
    picker = WatchingPicker(committed)
    clock.advance(91)
    worker = sweeper(engine, settings, clock, picker)
    outcomes = [o for o in worker.sweep_once() if uuid.UUID(o.job_id) in committed.job_ids]
    assert len(outcomes) == 2 and all(o.next_offer is not None for o in outcomes)
    first_job = picker.cascaded[0]
    assert picker.seen_before_second == first_job, "the first re-offer was committed before the second began"
    assert committed.holder_of(committed.van_ids[3]) == picker.cascaded[1]


def test_a_cascade_the_database_refuses_stays_due_for_the_next_sweep(
    engine: Engine, settings: Settings, clock: FrozenClock, committed: Committed
) -> None:
    picker = WatchingPicker(committed, fail_first=True)
    clock.advance(91)
    worker = sweeper(engine, settings, clock, picker)
    outcomes = [o for o in worker.sweep_once() if uuid.UUID(o.job_id) in committed.job_ids]
    assert [uuid.UUID(o.job_id) for o in outcomes] == [picker.cascaded[1]], "the other offer went on"
    refused = picker.cascaded[0]
    with Session(engine) as session:
        offer = session.exec(select(JobOffer).where(col(JobOffer.job_id) == refused)).one()
        assert offer.status == OfferStatus.PENDING and offer.expires_at <= clock.now() - timedelta(seconds=1)
    assert committed.holder_of(offer.van_id) == refused, "its van is still held, nothing half-done"
