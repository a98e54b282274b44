"""One row per change, in commit order.

The autoincrement id is the stream-ordered event id that live clients resume from. Rows are only ever
inserted; nothing in the code updates or deletes them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from dispatch.db import JSONType, UTCDateTime, utcnow

# BIGSERIAL on PostgreSQL; plain INTEGER PRIMARY KEY (rowid) on SQLite, where BIGINT would not autoincrement.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_job_id_id", "job_id", "id"),
        Index("ix_events_booking_id_id", "booking_id", "id"),
        # KPIs read one kind of event over a period (e.g. the calls of a month): a range scan, not every
        # event of that kind ever recorded. It also serves the lookups by kind alone.
        Index("ix_events_kind_created_at", "kind", "created_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(EventId, primary_key=True, autoincrement=True))
    kind: str = Field(max_length=40)
    actor: str = Field(max_length=64)
    job_id: uuid.UUID | None = Field(default=None)
    booking_id: uuid.UUID | None = Field(default=None)
    plan_id: uuid.UUID | None = Field(default=None)
    van_id: int | None = Field(default=None, index=True)
    city_adcode: str | None = Field(default=None, max_length=6)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
