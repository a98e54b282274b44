"""Follow-up call tasks, satisfaction responses, escalations and the stations' service managers."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dispatch.db import UTCDateTime, utcnow


class TaskStatus(StrEnum):
    OPEN = "open"
    REACHED = "reached"
    NO_ANSWER = "no_answer"


class CallOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    CALL_BACK_LATER = "call_back_later"


class FollowUpTask(SQLModel, table=True):
    """A call the call center owes an owner after a rescue or a countryside visit (24 h, 3 d, 5 d)."""

    __tablename__ = "followup_tasks"
    __table_args__ = (UniqueConstraint("subject_key", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    # "job:<uuid>" or "booking:<uuid>": at most one task per step and subject, whoever creates it.
    subject_key: str = Field(max_length=60)
    job_id: uuid.UUID | None = Field(default=None, index=True)
    booking_id: uuid.UUID | None = Field(default=None, index=True)
    station_id: int | None = Field(default=None, foreign_key="service_stations.id")
    city_adcode: str | None = Field(default=None, max_length=6)
    step: str = Field(max_length=4)  # "24h", "3d", "5d"
    owner_name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    reference: str = Field(max_length=32)
    completed_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: TaskStatus = Field(default=TaskStatus.OPEN, sa_type=String(10), index=True)
    attempts: int = 0
    last_outcome: str | None = Field(default=None, max_length=20)
    done_by: str | None = Field(default=None, max_length=64)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ResponseSource(StrEnum):
    CALL = "call"
    OWNER = "owner"


class SatisfactionResponse(SQLModel, table=True):
    """Scores from a follow-up call or the owner's one-tap survey (one owner survey per job or visit)."""

    __tablename__ = "satisfaction_responses"

    id: int | None = Field(default=None, primary_key=True)
    source: ResponseSource = Field(sa_type=String(10))
    task_id: int | None = Field(default=None, foreign_key="followup_tasks.id")
    job_id: uuid.UUID | None = Field(default=None, index=True)
    booking_id: uuid.UUID | None = Field(default=None, index=True)
    station_id: int | None = Field(default=None, foreign_key="service_stations.id")
    city_adcode: str | None = Field(default=None, max_length=6)
    # "job:<uuid>" for the owner's survey (unique: once), NULL for calls.
    owner_survey_key: str | None = Field(default=None, max_length=60, unique=True)
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    complaint: bool = False
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class EscalationStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class Escalation(SQLModel, table=True):
    """A low score or a complaint, for the station's service manager to acknowledge within the hour."""

    __tablename__ = "escalations"

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="satisfaction_responses.id", unique=True)
    job_id: uuid.UUID | None = Field(default=None, index=True)
    booking_id: uuid.UUID | None = Field(default=None, index=True)
    station_id: int | None = Field(default=None, foreign_key="service_stations.id")
    city_adcode: str | None = Field(default=None, max_length=6)
    reference: str = Field(max_length=32)
    reason: str = Field(max_length=200)
    manager_name: str | None = Field(default=None, max_length=100)
    manager_phone: str | None = Field(default=None, max_length=32)
    status: EscalationStatus = Field(default=EscalationStatus.OPEN, sa_type=String(12), index=True)
    opened_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ack_due_at: datetime = Field(sa_type=UTCDateTime)
    overdue_flagged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=64)
    resolution_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class StationServiceManager(SQLModel, table=True):
    """Who answers for a station's service quality: escalations go to them by SMS."""

    __tablename__ = "station_service_managers"

    station_id: int = Field(foreign_key="service_stations.id", primary_key=True)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
