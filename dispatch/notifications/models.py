"""The outbox, webhook subscribers and owners' message preferences.

An outbox row is written in the same transaction as the change it reports; its id is the delivery id a
channel sees on every attempt, so a channel that deduplicates never shows the same message twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from dispatch.db import JSONType, UTCDateTime, utcnow


class Channel(StrEnum):
    SMS = "sms"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a worker until `claimed_until`
    DELIVERED = "delivered"
    DEAD = "dead"  # out of attempts: the dead-letter list, replayable by an admin
    SKIPPED = "skipped"  # not sent: the owner asked for no messages


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    channel: Channel = Field(sa_type=String(10))
    # The message template (an event kind or "booking.reminder"); rendered with `context` when sent.
    template: str = Field(max_length=40)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    recipient: str = Field(max_length=64)
    subscriber_id: int | None = Field(default=None, foreign_key="webhook_subscribers.id")
    job_id: uuid.UUID | None = Field(default=None, index=True)
    booking_id: uuid.UUID | None = Field(default=None, index=True)
    # Set for notifications that a periodic sweep may try to create again (the day-before reminder).
    dedup_key: str | None = Field(default=None, max_length=80, unique=True)
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=String(10))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookSubscriber(SQLModel, table=True):
    """One of the carmaker's systems (CRM, telematics) that receives events, signed with its own secret."""

    __tablename__ = "webhook_subscribers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=128)
    # Event kinds it wants ("job.status", "booking.*"); ["*"] for all.
    event_kinds: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MessagePreference(SQLModel, table=True):
    """An owner's choice, by phone number: SMS (the default when no row exists) or no messages."""

    __tablename__ = "message_preferences"

    phone: str = Field(primary_key=True, max_length=32)
    sms: bool = True
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
