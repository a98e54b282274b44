"""Offering a rescue job to a van, the technician's answer, and the cascade when the answer is no.

A van is committed to a job from the offer on: :func:`offer_job` claims it with
``UPDATE vans SET current_job_id = :job WHERE id = :van AND current_job_id IS NULL AND status = 'available'``,
so two dispatchers can never give one van two jobs (the loser gets ``VanUnavailable``, 409). The unique
``vans.current_job_id`` column backs this up.

Public functions (keyword-only; the caller owns the transaction, nothing here commits):

- ``offer_job(*, session, job, van_id, actor, now, timeout_s, rank=None, distance_km=None, eta_s=None,
  override_reason=None) -> JobOffer``: claim the van, move the job created|uncovered -> offered, add a
  pending offer that expires ``timeout_s`` from now. ``VanUnavailable`` if the van is taken or not available.
- ``offer_to_first_free(*, session, job, targets, actor, now, timeout_s) -> JobOffer | None``: try ranked
  targets in order, skipping vans taken meanwhile; ``None`` if none could be claimed.
- ``accept_offer(*, session, offer_id, van_id, actor, now, eta_s=None) -> RescueJob``: the technician of
  `van_id` accepts; records the promised ETA (``now + eta_s``, default the offer's ETA). ``PermissionDenied``
  (403) if the offer is for another van; ``Conflict`` (409) if it is no longer pending (expired, withdrawn).
- ``decline_offer(*, session, offer_id, van_id, actor, now, reason, settings, picker=None) -> OfferOutcome``:
  the technician declines; the job returns to ``created`` and cascades to the next candidate, or after
  ``settings.max_declines`` declines (or with no candidate left) stays ``created`` flagged
  ``needs_attention`` for the agent.
- ``next_due_offer(*, session, now, skip_ids=()) -> JobOffer | None`` and ``expire_offer(*, session, offer,
  now, settings, picker=None) -> OfferOutcome``: the background sweep's step (one offer per transaction,
  :mod:`dispatch.jobs.expiry_worker`): treat a pending offer past ``expires_at`` as a decline and cascade.
  Safe with several workers: each offer is claimed with a conditional UPDATE (``status = 'pending' AND
  expires_at <= now``), and on PostgreSQL the scan uses ``FOR UPDATE SKIP LOCKED``; all state is in the
  database, so a restart loses nothing.
- ``pending_offer_for_van(*, session, van_id, now) -> JobOffer | None``: what a technician's tablet shows.

A `picker` (:class:`CandidatePicker`) yields the next vans to try for a job; by default the matching
service ranks them (:func:`dispatch.jobs.matching.offer_targets`). Tests pass their own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlmodel import Session, col, select

from dispatch.errors import Conflict, NotFound, PermissionDenied, VanUnavailable
from dispatch.fleet.models import Van, VanStatus
from dispatch.jobs.lifecycle import affected_rows, forget_cached_van, transition
from dispatch.jobs.models import JobOffer, JobStatus, OfferStatus, RescueJob
from dispatch.settings import Settings

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class OfferTarget:
    """A van to offer a job to, with the ranking figures shown to the technician and the agent."""

    van_id: int
    rank: int | None = None
    distance_km: float | None = None
    eta_s: int | None = None
    eta_kind: str | None = None


class CandidatePicker(Protocol):
    """Yields vans to offer `job` to, best first, leaving out `exclude_van_ids`."""

    def __call__(
        self, *, session: Session, job: RescueJob, now: datetime, exclude_van_ids: frozenset[int]
    ) -> Iterable[OfferTarget]: ...


@dataclass(frozen=True)
class OfferOutcome:
    """What happened to a job after an offer was declined or expired."""

    job_id: str
    reference: str
    offer_id: int
    answer: OfferStatus  # declined or expired
    next_offer: JobOffer | None
    needs_attention: bool


def offer_job(
    *,
    session: Session,
    job: RescueJob,
    van_id: int,
    actor: str,
    now: datetime,
    timeout_s: int,
    rank: int | None = None,
    distance_km: float | None = None,
    eta_s: int | None = None,
    override_reason: str | None = None,
    eta_kind: str | None = None,
) -> JobOffer:
    """Claim `van_id` for `job` and make it a pending offer; ``VanUnavailable`` (409) if the van is taken."""
    _claim_van(session, job, van_id)
    offer = JobOffer(
        job_id=job.id,
        van_id=van_id,
        rank=rank,
        distance_km=round(distance_km, 2) if distance_km is not None else None,
        eta_s=eta_s,
        eta_kind=eta_kind,
        offered_by=actor,
        override_reason=override_reason,
        offered_at=now,
        expires_at=now + timedelta(seconds=timeout_s),
    )
    session.add(offer)
    session.flush()
    transition(
        session=session,
        job=job,
        to_status=JobStatus.OFFERED,
        actor=actor,
        now=now,
        van_id=van_id,
        eta_s=eta_s,
        eta_at=now + timedelta(seconds=eta_s) if eta_s is not None else None,
        eta_kind=eta_kind,
        needs_attention=False,
        attention_reason=None,
        offer_id=offer.id,
        rank=rank,
        distance_km=offer.distance_km,
        offer_expires_at=offer.expires_at,
        override_reason=override_reason,
    )
    return offer


def offer_to_first_free(
    *,
    session: Session,
    job: RescueJob,
    targets: Iterable[OfferTarget],
    actor: str,
    now: datetime,
    timeout_s: int,
) -> JobOffer | None:
    """Offer to the first target whose van can still be claimed (others may have taken the better ones)."""
    for target in targets:
        try:
            return offer_job(
                session=session,
                job=job,
                van_id=target.van_id,
                actor=actor,
                now=now,
                timeout_s=timeout_s,
                rank=target.rank,
                distance_km=target.distance_km,
                eta_s=target.eta_s,
                eta_kind=target.eta_kind,
            )
        except VanUnavailable:
            continue
    return None


def accept_offer(
    *,
    session: Session,
    offer_id: int,
    van_id: int,
    actor: str,
    now: datetime,
    eta_s: int | None = None,
) -> RescueJob:
    """The technician of `van_id` accepts; the promised ETA is fixed now (``eta_s`` or the offer's ETA)."""
    offer = _offer_for_van(session, offer_id, van_id)
    _answer(session, offer, OfferStatus.ACCEPTED, now, due=False)
    job = _job(session, offer.job_id)
    promised_s = eta_s if eta_s is not None else offer.eta_s
    promised_kind = "technician" if eta_s is not None else offer.eta_kind
    promised_at = now + timedelta(seconds=promised_s) if promised_s is not None else None
    transition(
        session=session,
        job=job,
        to_status=JobStatus.ACCEPTED,
        actor=actor,
        now=now,
        offer_id=offer.id,
        eta_s=promised_s,
        eta_at=promised_at,
        eta_kind=promised_kind,
        promised_eta_at=promised_at,
    )
    session.execute(
        update(Van)
        .where(col(Van.id) == van_id, col(Van.current_job_id) == job.id)
        .values(status=VanStatus.BUSY.value)
        .execution_options(synchronize_session=False)
    )
    forget_cached_van(session, van_id)
    return job


def decline_offer(
    *,
    session: Session,
    offer_id: int,
    van_id: int,
    actor: str,
    now: datetime,
    reason: str,
    settings: Settings,
    picker: CandidatePicker | None = None,
) -> OfferOutcome:
    """The technician of `van_id` declines with `reason`; the job cascades to the next candidate."""
    offer = _offer_for_van(session, offer_id, van_id)
    _answer(session, offer, OfferStatus.DECLINED, now, due=False, reason=reason)
    return _cascade(session, offer, actor, now, settings, picker)


def next_due_offer(*, session: Session, now: datetime, skip_ids: Collection[int] = ()) -> JobOffer | None:
    """The longest-overdue pending offer not in ``skip_ids``; on PostgreSQL it is locked (``FOR UPDATE
    SKIP LOCKED``), so two workers never pick the same one."""
    query = (
        select(JobOffer)
        .where(col(JobOffer.status) == OfferStatus.PENDING.value, col(JobOffer.expires_at) <= now)
        .order_by(col(JobOffer.expires_at), col(JobOffer.id))
        .limit(1)
    )
    if skip_ids:
        query = query.where(col(JobOffer.id).not_in(list(skip_ids)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()


def expire_offer(
    *,
    session: Session,
    offer: JobOffer,
    now: datetime,
    settings: Settings,
    picker: CandidatePicker | None = None,
) -> OfferOutcome:
    """Record ``offer`` as expired and cascade its job; ``Conflict`` if it was answered meanwhile."""
    _answer(session, offer, OfferStatus.EXPIRED, now, due=True)
    return _cascade(session, offer, SYSTEM_ACTOR, now, settings, picker)


def pending_offer_for_van(*, session: Session, van_id: int, now: datetime) -> JobOffer | None:
    """The van's open offer, if any (at most one: the van is claimed while an offer is pending)."""
    return session.exec(
        select(JobOffer).where(
            col(JobOffer.van_id) == van_id,
            col(JobOffer.status) == OfferStatus.PENDING.value,
            col(JobOffer.expires_at) > now,
        )
    ).first()


def _claim_van(session: Session, job: RescueJob, van_id: int) -> None:
    result = session.execute(
        update(Van)
        .where(
            col(Van.id) == van_id,
            col(Van.current_job_id).is_(None),
            col(Van.status) == VanStatus.AVAILABLE.value,
        )
        .values(current_job_id=job.id, status=VanStatus.BUSY.value)
        .execution_options(synchronize_session=False)
    )
    forget_cached_van(session, van_id)
    if affected_rows(result) != 1:
        exists = session.exec(select(Van.id).where(Van.id == van_id)).first() is not None
        if not exists:
            raise NotFound(f"未找到车辆 {van_id} / Van {van_id} not found", field="van_id")
        raise VanUnavailable(
            f"车辆 {van_id} 正在执行其他任务或不可用 / Van {van_id} already holds a job or is not available",
            field="van_id",
            details={"van_id": van_id},
        )


def _answer(
    session: Session,
    offer: JobOffer,
    answer: OfferStatus,
    now: datetime,
    *,
    due: bool,
    reason: str | None = None,
) -> None:
    """Move a pending offer to `answer`; only one answer (or the expiry) can ever win."""
    deadline = col(JobOffer.expires_at) <= now if due else col(JobOffer.expires_at) > now
    result = session.execute(
        update(JobOffer)
        .where(col(JobOffer.id) == offer.id, col(JobOffer.status) == OfferStatus.PENDING.value, deadline)
        .values(status=answer.value, responded_at=now, decline_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        session.refresh(offer)
        current = OfferStatus(offer.status)
        if current is OfferStatus.PENDING:
            current = OfferStatus.EXPIRED  # past its deadline; the sweep will record it
        raise Conflict(
            f"该派单已失效（{current.value}）/ This offer is no longer open ({current.value})",
            details={"offer_status": current.value},
        )
    session.refresh(offer)


def _cascade(
    session: Session,
    offer: JobOffer,
    actor: str,
    now: datetime,
    settings: Settings,
    picker: CandidatePicker | None,
) -> OfferOutcome:
    """After a no: back to created, then the next candidate, unless the agent must decide now."""
    job = _job(session, offer.job_id)
    answer = OfferStatus(offer.status)
    declines = job.decline_count + 1
    job.decline_count = declines
    attention = _attention_reason(declines, settings.max_declines)
    transition(
        session=session,
        job=job,
        to_status=JobStatus.CREATED,
        actor=actor,
        now=now,
        offer_id=offer.id,
        offer_van_id=offer.van_id,
        answer=answer.value,
        reason=offer.decline_reason,
        decline_count=declines,
        needs_attention=attention is not None,
        attention_reason=attention,
    )
    next_offer = None
    if attention is None:
        next_offer = _offer_next(session, job, now, settings, picker)
        if next_offer is None:
            job.needs_attention = True
            job.attention_reason = "没有其他可用车辆 / No other van available"
            session.add(job)
            session.flush()
    return OfferOutcome(
        job_id=str(job.id),
        reference=job.reference,
        offer_id=offer.id or 0,
        answer=answer,
        next_offer=next_offer,
        needs_attention=job.needs_attention,
    )


def _offer_next(
    session: Session, job: RescueJob, now: datetime, settings: Settings, picker: CandidatePicker | None
) -> JobOffer | None:
    tried = frozenset(session.exec(select(JobOffer.van_id).where(JobOffer.job_id == job.id)).all())
    if picker is None:
        from dispatch.jobs.matching import MatchingPicker

        picker = MatchingPicker(settings)
    targets = picker(session=session, job=job, now=now, exclude_van_ids=tried)
    timeout_s = settings.offer_timeout_s
    return offer_to_first_free(
        session=session, job=job, targets=targets, actor=SYSTEM_ACTOR, now=now, timeout_s=timeout_s
    )


def _attention_reason(declines: int, max_declines: int) -> str | None:
    if declines < max_declines:
        return None
    return (
        f"已被拒绝或超时 {declines} 次，请坐席处理 / "
        f"Declined or unanswered {declines} times; the agent decides"
    )


def _offer_for_van(session: Session, offer_id: int, van_id: int) -> JobOffer:
    offer = session.get(JobOffer, offer_id)
    if offer is None:
        raise NotFound(f"未找到派单 {offer_id} / Offer {offer_id} not found")
    if offer.van_id != van_id:
        raise PermissionDenied("该派单不属于您的车辆 / This offer is not for your van")
    return offer


def _job(session: Session, job_id: object) -> RescueJob:
    job = session.get(RescueJob, job_id)
    if job is None:  # pragma: no cover - foreign key makes this impossible
        raise NotFound("未找到救援单 / Job not found")
    return job
