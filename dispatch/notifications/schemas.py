"""API shapes for webhooks, the outbox and owners' message preferences (never the secrets, except once)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

EventKinds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=40)]], Field(min_length=1, max_length=50)
]


class WebhookCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    url: HttpUrl
    event_kinds: EventKinds = ["*"]
    secret: str | None = Field(
        default=None, min_length=16, max_length=128, description="generated when absent"
    )


class WebhookUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    url: HttpUrl | None = None
    event_kinds: EventKinds | None = None
    secret: str | None = Field(default=None, min_length=16, max_length=128)
    active: bool | None = None


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    url: str
    event_kinds: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="shown once: the key receivers verify signatures with")


class NotificationRead(BaseModel):
    """One message in the outbox: what, to whom, and whether it was delivered."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="the delivery id, the same on every attempt")
    channel: str
    template: str
    recipient: str
    status: str = Field(
        description="pending, sending, delivered, dead (dead letter), skipped (owner opted out)"
    )
    body: str | None = Field(description="the text or JSON sent (SMS text appears once it was sent)")
    attempts: int
    last_error: str | None
    job_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None


class PreferenceWrite(BaseModel):
    sms: bool = Field(description="true: SMS messages (the default); false: none")


class PreferenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    phone: str
    sms: bool
    updated_by: str
    updated_at: datetime
