"""Owners' tracking links: one job or booking, by its unguessable token.

    GET  /api/track/{token}          the owner's view as JSON (404 unknown, 410 expired)
    GET  /api/track/{token}/page     a small page (中文 first) that shows it and follows the websocket
    GET  /track/{token}              the same page: the short link the owner gets by SMS
    WS   /api/track/{token}/ws       tracking.snapshot on connect, then tracking.update per relevant event
    POST /api/track/jobs/{job_id}/link   (agents) the job's link and the SMS text to send

The owner stream is state-based: every message carries the whole view plus the newest event id it
reflects, so a reconnecting page is whole again after its first message, whatever it missed.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, WebSocket
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dispatch.api.deps import AgentDep, ClockDep, SessionDep, SettingsDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import EventId
from dispatch.errors import DispatchError
from dispatch.events.relay import StreamContext, reject, serve
from dispatch.jobs.models import RescueJob
from dispatch.tracking import service
from dispatch.tracking.owner_stream import OwnerStream
from dispatch.tracking.page import tracking_page
from dispatch.tracking.schemas import TrackingLinkRead, TrackingRead
from dispatch.travel_times import drive_time_for

router = APIRouter(prefix="/api/track", tags=["owner tracking / 车主查询"], responses=ERROR_RESPONSES)
# The short link sent by SMS (``{public_base_url}/track/{token}``) opens the page.
page_router = APIRouter(prefix="/track", include_in_schema=False)


@router.post(
    "/jobs/{job_id}/link", response_model=TrackingLinkRead, summary="Owner's link for a job / 车主链接"
)
def job_link(
    job_id: uuid.UUID, _agent: AgentDep, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> TrackingLinkRead:
    link = service.link_for_job(session=session, job_id=job_id, now=clock.now())
    job = session.get(RescueJob, job_id)
    reference = job.reference if job is not None else str(job_id)
    return service.link_read(link, base_url=settings.public_base_url, reference=reference)


@router.get(
    "/{token}",
    response_model=TrackingRead,
    responses={410: {"description": "链接已过期 / Link expired"}},
    summary="Track my rescue or visit / 查看进度",
)
def track(token: str, session: SessionDep, settings: SettingsDep, clock: ClockDep) -> TrackingRead:
    link = service.open_link(session=session, token=token, now=clock.now(), settings=settings)
    view, _ = service.tracking_view(
        session=session, link=link, now=clock.now(), settings=settings, drive_time=drive_time_for(settings)
    )
    return view


@page_router.get("/{token}", response_class=HTMLResponse)
@router.get("/{token}/page", response_class=HTMLResponse, include_in_schema=False)
def track_page(token: str, settings: SettingsDep) -> HTMLResponse:
    return HTMLResponse(tracking_page(settings, token))


@router.websocket("/{token}/ws")
async def track_stream(websocket: WebSocket, token: str, last_event_id: EventId | None = None) -> None:
    """The link is the credential: unknown or expired closes with 1008 before anything is sent."""
    context = StreamContext.of(websocket)
    await websocket.accept()
    owner = OwnerStream(context, token)
    try:
        await run_in_threadpool(owner.refresh)
    except DispatchError as refused:
        await reject(websocket, refused.message)
        return
    await serve(websocket, context, owner.stream(), last_event_id)
