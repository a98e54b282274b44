"""Offers: claiming a van, accept, decline, expiry and the cascade to the next candidate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Connection
from sqlmodel import Session, col, select

from dispatch.clock import FrozenClock
from dispatch.errors import Conflict, PermissionDenied, VanUnavailable
from dispatch.events.models import Event
from dispatch.fleet.models import Van, VanStatus
from dispatch.jobs.expiry_worker import OfferExpiryWorker
from dispatch.jobs.lifecycle import transition
from dispatch.jobs.models import JobOffer, JobStatus, OfferStatus, RescueJob
from dispatch.jobs.offers import (
    accept_offer,
    decline_offer,
    offer_job,
    pending_offer_for_van,
)
from dispatch.settings import Settings
from tests.dispatch.jobs.conftest import (
    NINGBO_DAY_EV_TOW,
    NINGBO_DAY_EV_TOW_2,
    NINGBO_DAY_TOW,
    ScriptedPicker,
    on_connection,
    status_of,
)

VanIds = Callable[[str], int]


@pytest.fixture
def vans(van_id: VanIds) -> list[int]:
    return [van_id(p) for p in (NINGBO_DAY_TOW, NINGBO_DAY_EV_TOW, NINGBO_DAY_EV_TOW_2)]


def offer(db: Session, job: RescueJob, van: int, clock: FrozenClock) -> JobOffer:
    return offer_job(
        session=db, job=job, van_id=van, actor="agent", now=clock.now(), timeout_s=90, rank=1, eta_s=600
    )


def holder(db: Session, van: int) -> object:
    row = db.get(Van, van)
    assert row is not None
    db.refresh(row)
    return row.current_job_id


def statuses(db: Session, job: RescueJob) -> list[tuple[str | None, str | None]]:
    events = db.exec(select(Event).where(Event.job_id == job.id).order_by(col(Event.id))).all()
    return [(e.from_status, e.to_status) for e in events]


def test_an_offer_claims_the_van_until_answered(
    db: Session, make_job: Callable[..., RescueJob], vans: list[int], clock: FrozenClock
) -> None:
    job = make_job()
    made = offer(db, job, vans[0], clock)
    assert made.status == OfferStatus.PENDING
    assert made.expires_at == clock.now() + timedelta(seconds=90)
    assert status_of(db, job) == JobStatus.OFFERED and job.van_id == vans[0]
    assert holder(db, vans[0]) == job.id
    assert pending_offer_for_van(session=db, van_id=vans[0], now=clock.now()) == made


def test_a_van_holding_a_job_cannot_be_offered_another(
    db: Session, make_job: Callable[..., RescueJob], vans: list[int], clock: FrozenClock
) -> None:
    first, second = make_job(), make_job()
    offer(db, first, vans[0], clock)
    with pytest.raises(VanUnavailable) as raised:
        offer(db, second, vans[0], clock)
    assert raised.value.status_code == 409
    assert status_of(db, second) == JobStatus.CREATED


def test_accept_records_the_promised_eta_and_only_the_right_van_may_answer(
    db: Session, make_job: Callable[..., RescueJob], vans: list[int], clock: FrozenClock
) -> None:
    job = make_job()
    made = offer(db, job, vans[0], clock)
    assert made.id is not None
    with pytest.raises(PermissionDenied):
        accept_offer(session=db, offer_id=made.id, van_id=vans[1], actor="tech001", now=clock.now())
    clock.advance(20)
    accepted = accept_offer(
        session=db, offer_id=made.id, van_id=vans[0], actor="tech002", now=clock.now(), eta_s=1200
    )
    assert accepted.status == JobStatus.ACCEPTED
    assert accepted.promised_eta_at == clock.now() + timedelta(seconds=1200)
    db.refresh(made)
    assert made.status == OfferStatus.ACCEPTED and made.responded_at == clock.now()
    van = db.get(Van, vans[0])
    assert van is not None and van.status == VanStatus.BUSY
    with pytest.raises(Conflict):
        accept_offer(session=db, offer_id=made.id, van_id=vans[0], actor="tech002", now=clock.now())


def test_accepting_after_the_deadline_is_409(
    db: Session, make_job: Callable[..., RescueJob], vans: list[int], clock: FrozenClock
) -> None:
    made = offer(db, make_job(), vans[0], clock)
    assert made.id is not None
    clock.advance(91)
    with pytest.raises(Conflict) as raised:
        accept_offer(session=db, offer_id=made.id, van_id=vans[0], actor="tech002", now=clock.now())
    assert raised.value.details["offer_status"] == "expired"


def test_decline_cascades_to_the_next_van(
    db: Session,
    make_job: Callable[..., RescueJob],
    vans: list[int],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    job = make_job()
    made = offer(db, job, vans[0], clock)
    assert made.id is not None
    outcome = decline_offer(
        session=db,
        offer_id=made.id,
        van_id=vans[0],
        actor="tech002",
        now=clock.now(),
        reason="轮胎规格不符 / wrong tyre size",
        settings=settings,
        picker=ScriptedPicker(vans),
    )
    assert outcome.answer == OfferStatus.DECLINED and not outcome.needs_attention
    assert outcome.next_offer is not None and outcome.next_offer.van_id == vans[1]
    assert status_of(db, job) == JobStatus.OFFERED and job.van_id == vans[1]
    assert holder(db, vans[0]) is None and holder(db, vans[1]) == job.id
    assert job.decline_count == 1
    db.refresh(made)
    assert made.decline_reason == "轮胎规格不符 / wrong tyre size"
    assert statuses(db, job) == [("created", "offered"), ("offered", "created"), ("created", "offered")]


def test_after_max_declines_the_job_goes_back_to_the_agent(
    db: Session,
    make_job: Callable[..., RescueJob],
    vans: list[int],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    assert settings.max_declines == 3
    job = make_job()
    current = offer(db, job, vans[0], clock)
    picker = ScriptedPicker([*vans, vans[0] + 100])
    for _ in range(3):
        assert current.id is not None
        outcome = decline_offer(
            session=db,
            offer_id=current.id,
            van_id=current.van_id,
            actor="tech",
            now=clock.now(),
            reason="忙",
            settings=settings,
            picker=picker,
        )
        if outcome.next_offer is not None:
            current = outcome.next_offer
    assert outcome.needs_attention and outcome.next_offer is None
    assert status_of(db, job) == JobStatus.CREATED
    assert job.needs_attention and job.decline_count == 3 and job.attention_reason
    assert all(holder(db, v) is None for v in vans)


def test_no_candidate_left_flags_the_job(
    db: Session,
    make_job: Callable[..., RescueJob],
    vans: list[int],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    job = make_job()
    made = offer(db, job, vans[0], clock)
    assert made.id is not None
    outcome = decline_offer(
        session=db,
        offer_id=made.id,
        van_id=vans[0],
        actor="tech002",
        now=clock.now(),
        reason="车辆故障",
        settings=settings,
        picker=ScriptedPicker([vans[0]]),
    )
    assert outcome.next_offer is None and outcome.needs_attention
    assert status_of(db, job) == JobStatus.CREATED


def test_unanswered_offers_expire_once_and_cascade(
    db: Session,
    connection: Connection,
    make_job: Callable[..., RescueJob],
    vans: list[int],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    job = make_job()
    made = offer(db, job, vans[0], clock)
    sweeper = OfferExpiryWorker(
        session_factory=on_connection(connection), settings=settings, clock=clock, picker=ScriptedPicker(vans)
    )
    clock.advance(89)
    assert sweeper.sweep_once() == []
    clock.advance(1)
    outcomes = sweeper.sweep_once()
    assert [o.answer for o in outcomes] == [OfferStatus.EXPIRED]
    assert outcomes[0].next_offer is not None and outcomes[0].next_offer.van_id == vans[1]
    db.refresh(made)
    assert made.status == OfferStatus.EXPIRED
    assert status_of(db, job) == JobStatus.OFFERED and job.van_id == vans[1]
    # A second sweep at the same moment finds nothing more to do: no double cascade.
    assert sweeper.sweep_once() == []
    assert statuses(db, job).count(("offered", "created")) == 1


def test_cancelling_an_offered_job_withdraws_the_offer(
    db: Session, make_job: Callable[..., RescueJob], vans: list[int], clock: FrozenClock
) -> None:
    job = make_job()
    made = offer(db, job, vans[0], clock)
    transition(session=db, job=job, to_status=JobStatus.CANCELLED, actor="agent", now=clock.now())
    db.refresh(made)
    assert made.status == OfferStatus.WITHDRAWN
    assert holder(db, vans[0]) is None
    assert pending_offer_for_van(session=db, van_id=vans[0], now=clock.now()) is None
