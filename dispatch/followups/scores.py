"""Satisfaction responses, from a follow-up call or the owner's one-tap survey, and what they trigger.

A low score (satisfaction 1-2, or recommendation 0-6) or a complaint opens an escalation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dispatch.errors import Conflict
from dispatch.events.service import record_event
from dispatch.followups.escalations import open_escalation
from dispatch.followups.models import FollowUpTask, ResponseSource, SatisfactionResponse
from dispatch.followups.subjects import Subject


@dataclass(frozen=True)
class Scores:
    csat: int | None = None
    nps: int | None = None
    comment: str = ""
    complaint: bool = False

    @property
    def empty(self) -> bool:
        return self.csat is None and self.nps is None and not self.comment and not self.complaint

    def problems(self) -> list[str]:
        """Why these scores need a manager (empty when they don't)."""
        reasons = []
        if self.csat is not None and self.csat <= 2:
            reasons.append(f"满意度 {self.csat} 分 / CSAT {self.csat}")
        if self.nps is not None and self.nps <= 6:
            reasons.append(f"推荐度 {self.nps} 分 / NPS {self.nps}")
        if self.complaint:
            reasons.append("投诉 / complaint")
        return reasons


def record_response(
    *, session: Session, task: FollowUpTask, scores: Scores, actor: str, now: datetime
) -> SatisfactionResponse:
    """Scores given to an agent on a follow-up call."""
    response = SatisfactionResponse(
        source=ResponseSource.CALL,
        task_id=task.id,
        job_id=task.job_id,
        booking_id=task.booking_id,
        station_id=task.station_id,
        city_adcode=task.city_adcode,
        recorded_by=actor,
        recorded_at=now,
        **_score_fields(scores),
    )
    session.add(response)
    session.flush()
    _after_response(session, response, scores, reference=task.reference, actor=actor, now=now)
    return response


def record_owner_survey(
    *, session: Session, subject: Subject, scores: Scores, now: datetime
) -> SatisfactionResponse:
    """The owner's one-tap survey: once per job or visit, after completion (409 otherwise)."""
    if not subject.completed:
        raise Conflict("服务完成后才能评价 / You can rate the service once it is completed")
    response = SatisfactionResponse(
        source=ResponseSource.OWNER,
        job_id=subject.job_id,
        booking_id=subject.booking_id,
        station_id=subject.station_id,
        city_adcode=subject.city_adcode,
        owner_survey_key=subject.key,
        recorded_by="owner",
        recorded_at=now,
        **_score_fields(scores),
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("您已评价过本次服务 / You have already rated this service") from exc
    _after_response(session, response, scores, reference=subject.reference, actor="owner", now=now)
    return response


def _score_fields(scores: Scores) -> dict[str, Any]:
    return {"csat": scores.csat, "nps": scores.nps, "comment": scores.comment, "complaint": scores.complaint}


def _after_response(
    session: Session,
    response: SatisfactionResponse,
    scores: Scores,
    *,
    reference: str,
    actor: str,
    now: datetime,
) -> None:
    record_event(
        session,
        kind="satisfaction.recorded",
        actor=actor,
        at=now,
        job_id=response.job_id,
        booking_id=response.booking_id,
        city_adcode=response.city_adcode,
        data={
            "source": response.source,
            "csat": response.csat,
            "nps": response.nps,
            "complaint": response.complaint,
            "station_id": response.station_id,
        },
    )
    problems = scores.problems()
    if problems:
        open_escalation(
            session=session, response=response, reference=reference, reason="；".join(problems), now=now
        )
