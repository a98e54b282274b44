"""The owner's one-tap survey behind the tracking link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from dispatch.campaigns.models import Booking
from dispatch.errors import NotFound
from dispatch.followups.models import SatisfactionResponse
from dispatch.followups.scores import Scores, record_owner_survey
from dispatch.followups.subjects import Subject, booking_subject, job_subject
from dispatch.jobs.models import RescueJob
from dispatch.tracking.models import TrackingLink


@dataclass(frozen=True)
class SurveyState:
    open: bool
    answered: bool
    reference: str


def link_subject(session: Session, link: TrackingLink) -> Subject:
    if link.job_id is not None:
        job = session.get(RescueJob, link.job_id)
        if job is not None:
            return job_subject(session, job)
    elif link.booking_id is not None:
        booking = session.get(Booking, link.booking_id)
        if booking is not None:
            return booking_subject(session, booking)
    raise NotFound("链接无效 / Unknown tracking link")


def survey_state(*, session: Session, link: TrackingLink) -> SurveyState:
    subject = link_subject(session, link)
    answered = (
        session.exec(
            select(SatisfactionResponse.id).where(SatisfactionResponse.owner_survey_key == subject.key)
        ).first()
        is not None
    )
    return SurveyState(
        open=subject.completed and not answered, answered=answered, reference=subject.reference
    )


def answer_survey(
    *, session: Session, link: TrackingLink, scores: Scores, now: datetime
) -> SatisfactionResponse:
    return record_owner_survey(session=session, subject=link_subject(session, link), scores=scores, now=now)
