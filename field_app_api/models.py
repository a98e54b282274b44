"""Stored responses for idempotent retries from technicians' tablets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from dispatch.db import JSONType, UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a write, replayed for every retry with the same key and body."""

    __tablename__ = "idempotency_records"

    user_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=64)
    method: str = Field(max_length=8)
    path: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: Any = Field(default=None, sa_column=Column(JSONType, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
