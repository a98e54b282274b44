"""Notification endpoints.

POST  /api/admin/webhooks                              add a subscriber (its secret is shown once)
GET   /api/admin/webhooks                              subscribers
PATCH /api/admin/webhooks/{id}                         change URL, kinds, secret, or deactivate
GET   /api/admin/notifications/dead-letters            messages that ran out of attempts
POST  /api/admin/notifications/{id}/replay             send a dead letter again (same delivery id)
GET   /api/call-center/jobs/{job_key}/notifications    what was sent about a job, and whether delivered
GET   /api/call-center/bookings/{booking_id}/notifications
GET|PUT /api/call-center/message-preferences/{phone}   an owner's choice: SMS or none
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Response

from dispatch.api.deps import AdminDep, AgentDep, ClockDep, SessionDep, SettingsDep, StaffDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import Offset, RowId
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.jobs.service import get_job
from dispatch.notifications import service
from dispatch.notifications.models import Channel, Notification
from dispatch.notifications.schemas import (
    NotificationRead,
    PreferenceRead,
    PreferenceWrite,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from dispatch.notifications.texts import render_sms
from dispatch.settings import Settings

admin_router = APIRouter(prefix="/api/admin", tags=["notifications / 通知"], responses=ERROR_RESPONSES)
router = APIRouter(prefix="/api/call-center", tags=["notifications / 通知"], responses=ERROR_RESPONSES)


@admin_router.post(
    "/webhooks", response_model=WebhookCreated, status_code=201, summary="Add a webhook / 新增推送"
)
def create_webhook(
    body: WebhookCreate, admin: AdminDep, session: SessionDep, clock: ClockDep
) -> WebhookCreated:
    subscriber = service.create_subscriber(
        session=session,
        name=body.name,
        url=str(body.url),
        event_kinds=body.event_kinds,
        secret=body.secret,
        now=clock.now(),
    )
    return WebhookCreated.model_validate(subscriber)


@admin_router.get(
    "/webhooks",
    response_model=list[WebhookRead],
    summary="Webhooks / 推送订阅",
    responses=TOTAL_COUNT_HEADER,
)
def list_webhooks(_admin: AdminDep, session: SessionDep, response: Response) -> list[WebhookRead]:
    rows = service.list_subscribers(session=session)
    set_total_count(response, len(rows))
    return [WebhookRead.model_validate(r) for r in rows]


@admin_router.patch(
    "/webhooks/{subscriber_id}", response_model=WebhookRead, summary="Change a webhook / 修改推送"
)
def update_webhook(
    subscriber_id: RowId, body: WebhookUpdate, _admin: AdminDep, session: SessionDep
) -> WebhookRead:
    subscriber = service.get_subscriber(session=session, subscriber_id=subscriber_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        changes["url"] = str(body.url)
    service.update_subscriber(session=session, subscriber=subscriber, changes=changes)
    return WebhookRead.model_validate(subscriber)


@admin_router.get(
    "/notifications/dead-letters",
    response_model=list[NotificationRead],
    summary="Dead letters / 发送失败的通知",
    responses=TOTAL_COUNT_HEADER,
)
def dead_letters(
    _admin: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> list[NotificationRead]:
    total, rows = service.dead_letters(session=session, limit=limit, offset=offset)
    set_total_count(response, total)
    return _reads(rows, settings)


@admin_router.post(
    "/notifications/{notification_id}/replay", response_model=NotificationRead, summary="Replay / 重新发送"
)
def replay(
    notification_id: uuid.UUID, _admin: AdminDep, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> NotificationRead:
    return _reads(
        [service.replay(session=session, notification_id=notification_id, now=clock.now())], settings
    )[0]


@router.get(
    "/jobs/{job_key}/notifications",
    response_model=list[NotificationRead],
    summary="Messages about a job / 救援单通知记录",
    responses=TOTAL_COUNT_HEADER,
)
def job_notifications(
    job_key: str, _agent: AgentDep, session: SessionDep, settings: SettingsDep, response: Response
) -> list[NotificationRead]:
    """The job's timeline of messages: SMS to the owner and webhooks, each with its delivery state."""
    job = get_job(session=session, key=job_key)
    rows = service.sent_about(session=session, job_id=job.id)
    set_total_count(response, len(rows))
    return _reads(rows, settings)


@router.get(
    "/bookings/{booking_id}/notifications",
    response_model=list[NotificationRead],
    summary="Messages about a booking / 预约通知记录",
    responses=TOTAL_COUNT_HEADER,
)
def booking_notifications(
    booking_id: uuid.UUID, _staff: StaffDep, session: SessionDep, settings: SettingsDep, response: Response
) -> list[NotificationRead]:
    rows = service.sent_about(session=session, booking_id=booking_id)
    set_total_count(response, len(rows))
    return _reads(rows, settings)


@router.get(
    "/message-preferences/{phone}", response_model=PreferenceRead, summary="Owner's messages / 车主通知偏好"
)
def get_preference(phone: str, _agent: AgentDep, session: SessionDep) -> PreferenceRead:
    return PreferenceRead.model_validate(service.get_preference(session=session, phone=phone))


@router.put(
    "/message-preferences/{phone}",
    response_model=PreferenceRead,
    summary="Set owner's messages / 设置通知偏好",
)
def put_preference(
    phone: str, body: PreferenceWrite, agent: AgentDep, session: SessionDep, clock: ClockDep
) -> PreferenceRead:
    preference = service.set_preference(
        session=session, phone=phone, sms=body.sms, actor=agent.username, now=clock.now()
    )
    return PreferenceRead.model_validate(preference)


def _reads(rows: Sequence[Notification], settings: Settings) -> list[NotificationRead]:
    """Rows as read models; an SMS not sent yet shows the text it will send."""
    reads = []
    for row in rows:
        read = NotificationRead.model_validate(row)
        if read.body is None and row.channel == Channel.SMS:
            read.body = render_sms(
                row.template,
                row.context,
                base_url=settings.public_base_url,
                timezone=settings.display_timezone,
            )
        reads.append(read)
    return reads
