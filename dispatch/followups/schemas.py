"""API shapes for follow-up calls, surveys, escalations and service managers."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from dispatch.followups.models import CallOutcome
from dispatch.followups.scores import Scores


class ScoresWrite(BaseModel):
    csat: int | None = Field(
        default=None, ge=1, le=5, description="satisfaction 1-5 (4-5 count as satisfied)"
    )
    nps: int | None = Field(default=None, ge=0, le=10, description="how likely to recommend, 0-10")
    comment: str = Field(default="", max_length=2000)
    complaint: bool = Field(default=False, description="the owner complains: opens an escalation")

    def scores(self) -> Scores:
        return Scores(csat=self.csat, nps=self.nps, comment=self.comment.strip(), complaint=self.complaint)


class CallRecord(ScoresWrite):
    outcome: CallOutcome
    call_back_at: AwareDatetime | None = Field(
        default=None, description="for call_back_later; default in 2 h"
    )


class SurveyWrite(ScoresWrite):
    csat: int = Field(ge=1, le=5, description="满意度 1-5")
    nps: int | None = Field(default=None, ge=0, le=10, description="推荐度 0-10")


class FollowUpRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    step: str = Field(description="24h, 3d or 5d after completion")
    reference: str
    job_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    station_id: int | None
    city_adcode: str | None
    owner_name: str
    phone: str
    completed_at: datetime
    due_at: datetime
    status: str
    attempts: int
    last_outcome: str | None
    done_by: str | None
    done_at: datetime | None


class SurveyRead(BaseModel):
    reference: str
    open: bool = Field(description="the owner can answer now (service completed, not answered yet)")
    answered: bool


class ResponseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    csat: int | None
    nps: int | None
    complaint: bool
    comment: str
    recorded_at: datetime


class EscalationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    reason: str
    job_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    station_id: int | None
    city_adcode: str | None
    manager_name: str | None
    manager_phone: str | None
    status: str
    overdue: bool = Field(default=False, description="open and past its 1-hour acknowledgement deadline")
    opened_at: datetime
    ack_due_at: datetime
    overdue_flagged_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    resolution_note: str | None


class EscalationClose(BaseModel):
    resolution_note: str = Field(min_length=1, max_length=4000, description="how it was resolved (required)")


class ManagerWrite(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=32)


class ManagerRead(ManagerWrite):
    model_config = ConfigDict(from_attributes=True)

    station_id: int
    updated_at: datetime
