"""The offer-expiry worker: one sweep per transaction, started and stopped with the app."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from dispatch.app import create_app
from dispatch.clock import FrozenClock
from dispatch.jobs.expiry_worker import OfferExpiryWorker
from dispatch.jobs.models import JobOffer, JobStatus, OfferStatus, RescueJob
from dispatch.jobs.offers import offer_job
from dispatch.settings import Settings
from tests.dispatch.jobs.conftest import NINGBO_DAY_TOW, on_connection, status_of


def offered(db: Session, job: RescueJob, van: int, clock: FrozenClock) -> JobOffer:
    offer = offer_job(session=db, job=job, van_id=van, actor="agent", now=clock.now(), timeout_s=90)
    db.flush()  # the worker's sessions share this test's connection, so they see it
    return offer


def test_a_sweep_expires_due_offers_and_cascades(
    db: Session,
    connection: Connection,
    make_job: Callable[..., RescueJob],
    van_id: Callable[[str], int],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    job = make_job()
    offer = offered(db, job, van_id(NINGBO_DAY_TOW), clock)
    worker = OfferExpiryWorker(session_factory=on_connection(connection), settings=settings, clock=clock)
    assert worker.sweep_once() == []
    clock.advance(settings.offer_timeout_s)
    outcomes = worker.sweep_once()
    assert [o.offer_id for o in outcomes] == [offer.id]
    assert outcomes[0].next_offer is not None, "the matching service found the next van"
    db.refresh(offer)
    assert offer.status == OfferStatus.EXPIRED
    assert status_of(db, job) == JobStatus.OFFERED and job.van_id != offer.van_id
    assert worker.sweep_once() == [], "nothing is cascaded twice"


def test_the_app_sweeps_while_it_runs(
    db: Session,
    connection: Connection,
    engine: Engine,
    make_job: Callable[..., RescueJob],
    van_id: Callable[[str], int],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    job = make_job()
    offer = offered(db, job, van_id(NINGBO_DAY_TOW), clock)
    clock.advance(settings.offer_timeout_s + 1)  # fell due while no worker was running
    with_workers = settings.model_copy(update={"background_workers": True, "offer_sweep_interval_s": 0.01})
    app = create_app(with_workers, engine=engine, clock=clock, session_factory=on_connection(connection))
    with TestClient(app):
        pass  # start-up sweeps once; shutdown waits for it
    db.refresh(offer)
    assert offer.status == OfferStatus.EXPIRED
