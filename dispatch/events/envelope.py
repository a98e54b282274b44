"""What travels on the bus and what a websocket client receives.

`EventRecord` is an immutable snapshot of a committed `Event` row: safe to hand between threads and
processes (it round-trips through JSON for Redis), unlike an ORM object bound to a session.

Every websocket message is an `Envelope`:

    {"type": "job.status_changed", "version": 1, "event_id": 42, "time": "2026-11-23T02:00:00Z",
     "payload": {...}}

``event_id`` is the stream-ordered id from the event log (null for control messages such as
``stream.ready`` and ``stream.heartbeat``); a client resumes by reconnecting with ``last_event_id``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from dispatch.events.models import Event

ENVELOPE_VERSION = 1


@dataclass(frozen=True)
class EventRecord:
    """A committed event, detached from any session."""

    id: int
    kind: str
    actor: str
    created_at: datetime
    job_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    plan_id: uuid.UUID | None = None
    van_id: int | None = None
    city_adcode: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Event) -> EventRecord:
        if row.id is None:
            raise ValueError("an event without an id has not been flushed")
        return cls(
            id=row.id,
            kind=row.kind,
            actor=row.actor,
            created_at=row.created_at,
            job_id=row.job_id,
            booking_id=row.booking_id,
            plan_id=row.plan_id,
            van_id=row.van_id,
            city_adcode=row.city_adcode,
            from_status=row.from_status,
            to_status=row.to_status,
            data=dict(row.data or {}),
        )

    @cached_property
    def staff_message(self) -> str:
        """The staff envelope as JSON text, built once however many clients receive it."""
        return staff_envelope(self).model_dump_json()

    def to_json(self) -> str:
        raw = asdict(self)
        for key in ("job_id", "booking_id", "plan_id"):
            raw[key] = str(raw[key]) if raw[key] is not None else None
        raw["created_at"] = self.created_at.isoformat()
        return json.dumps(raw, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> EventRecord:
        raw = json.loads(text)
        for key in ("job_id", "booking_id", "plan_id"):
            raw[key] = uuid.UUID(raw[key]) if raw.get(key) else None
        raw["created_at"] = datetime.fromisoformat(raw["created_at"])
        return cls(**raw)


class Envelope(BaseModel):
    """One websocket message."""

    type: str
    version: int = ENVELOPE_VERSION
    event_id: int | None
    time: datetime
    payload: dict[str, Any]


def staff_envelope(record: EventRecord) -> Envelope:
    """The full event, for call-center agents and technicians (staff see the whole log entry)."""
    payload = {
        "kind": record.kind,
        "actor": record.actor,
        "job_id": str(record.job_id) if record.job_id else None,
        "booking_id": str(record.booking_id) if record.booking_id else None,
        "plan_id": str(record.plan_id) if record.plan_id else None,
        "van_id": record.van_id,
        "city_adcode": record.city_adcode,
        "from_status": record.from_status,
        "to_status": record.to_status,
        "data": record.data,
    }
    return Envelope(type=record.kind, event_id=record.id, time=record.created_at, payload=payload)


def control_envelope(kind: str, now: datetime, payload: dict[str, Any] | None = None) -> Envelope:
    """A message that is not an event: ready, heartbeat."""
    return Envelope(type=kind, event_id=None, time=now, payload=payload or {})
