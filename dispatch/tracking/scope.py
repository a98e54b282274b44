"""Which events can change what one tracking link shows: its job, or its booking and that van's route."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import col

from dispatch.events.envelope import EventRecord
from dispatch.events.models import Event


@dataclass(frozen=True)
class TrackingScope:
    job_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    service_date: date | None = None
    # The booking's stop on the current plan: that van's progress changes the stops before theirs.
    plan_id: uuid.UUID | None = None
    van_id: int | None = None

    def matches(self, record: EventRecord) -> bool:
        if self.job_id is not None:
            return record.job_id == self.job_id
        if self.booking_id is not None and record.booking_id == self.booking_id:
            return True
        if self.plan_id is not None and record.plan_id == self.plan_id and record.van_id == self.van_id:
            return True
        return self._new_plan_for_the_day(record)

    def where(self) -> ColumnElement[bool]:
        """The same set as `matches`, as SQL (a new plan for the day counts by its own booking events)."""
        if self.job_id is not None:
            return col(Event.job_id) == self.job_id
        clauses: list[ColumnElement[bool]] = [col(Event.booking_id) == self.booking_id]
        if self.plan_id is not None:
            clauses.append(and_(col(Event.plan_id) == self.plan_id, col(Event.van_id) == self.van_id))
        return or_(false(), *clauses)

    def _new_plan_for_the_day(self, record: EventRecord) -> bool:
        return (
            self.campaign_id is not None
            and record.kind.startswith("plan.")
            and record.data.get("campaign_id") == str(self.campaign_id)
            and record.data.get("service_date")
            == (self.service_date.isoformat() if self.service_date else None)
        )
