"""Staff live streams: the call center's view of every job, and a technician's own work.

    WS /api/streams/call-center?ticket=...&city=330200&city=331000&last_event_id=N
    WS /api/streams/technician?ticket=...&last_event_id=N

A browser signs in with a single-use ticket (``POST /api/auth/ws-ticket``, then ``?ticket=...``), which
keeps the long-lived bearer token out of URLs and logs; the bearer token also works as a first message
``{"type": "auth", "token": "..."}`` or ``?token=`` (kept for old clients; redacted from the logs). A
missing, bad, used or expired credential, or the wrong role, closes the socket with 1008 before anything
is sent. Messages are envelopes (`dispatch.events.envelope`); see `dispatch.events.relay` for replay,
heartbeats and close codes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from dispatch.api.ids import EventId
from dispatch.auth.models import Role, User
from dispatch.auth.security import InvalidToken, read_token
from dispatch.auth.tickets import redeem_ticket
from dispatch.events.envelope import EventRecord
from dispatch.events.models import Event
from dispatch.events.relay import Stream, StreamContext, receive_token, reject, serve
from dispatch.events.replay import events_after
from dispatch.fleet.models import Technician
from dispatch.jobs.models import CLOSED_STATUSES, VAN_HOLDING_STATUSES, JobOffer, RescueJob

router = APIRouter(prefix="/api/streams", tags=["live streams / 实时推送"])

CALL_CENTER_ROLES = frozenset({Role.AGENT, Role.ADMIN})
MAX_REPLAY = 10_000


@router.websocket("/call-center")
async def call_center_stream(
    websocket: WebSocket,
    token: str | None = None,
    ticket: str | None = None,
    city: Annotated[list[str] | None, Query(max_length=6)] = None,
    last_event_id: EventId | None = None,
) -> None:
    """Every job's changes, optionally only for some prefecture cities (adcodes)."""
    context = StreamContext.of(websocket)
    await websocket.accept()
    user = await _authenticate(websocket, context, token, ticket, CALL_CENTER_ROLES)
    if user is None:
        return
    cities = frozenset(city or ())
    city_jobs = await run_in_threadpool(_open_jobs_in, context.session_factory, cities) if cities else set()
    matches = call_center_filter(cities, city_jobs)
    stream = Stream(
        name="call_center",
        matches=matches,
        catch_up=_staff_replay(context, _call_center_where(cities), matches),
        render=_staff_render,
    )
    await serve(websocket, context, stream, last_event_id)


@router.websocket("/technician")
async def technician_stream(
    websocket: WebSocket,
    token: str | None = None,
    ticket: str | None = None,
    last_event_id: EventId | None = None,
) -> None:
    """The technician's own offers, changes to the jobs their van holds, and their van's plan changes."""
    context = StreamContext.of(websocket)
    await websocket.accept()
    user = await _authenticate(websocket, context, token, ticket, frozenset({Role.TECHNICIAN}))
    if user is None:
        return
    van_id = await run_in_threadpool(_van_of, context.session_factory, user.technician_id)
    if van_id is None:
        await reject(websocket, "技术员未分配车辆 / No van assigned to this technician")
        return
    van_jobs = await run_in_threadpool(_jobs_of_van, context.session_factory, van_id)
    matches = technician_filter(van_id, van_jobs)
    stream = Stream(
        name="technician",
        matches=matches,
        catch_up=_staff_replay(context, _technician_where(van_id), matches),
        render=_staff_render,
    )
    await serve(websocket, context, stream, last_event_id)


def call_center_filter(cities: frozenset[str], city_jobs: set[uuid.UUID]) -> Callable[[EventRecord], bool]:
    """Job events; with cities, those of jobs in them (an event without a city counts by its job)."""

    def matches(record: EventRecord) -> bool:
        if record.job_id is None:
            return False
        if not cities:
            return True
        if record.city_adcode in cities:
            city_jobs.add(record.job_id)
            return True
        return record.city_adcode is None and record.job_id in city_jobs

    return matches


def technician_filter(van_id: int, van_jobs: set[uuid.UUID]) -> Callable[[EventRecord], bool]:
    """Events about the technician's van, and later changes to a job while their van holds it.

    The right to a job's events is decided per event, in stream order: a job joins the set when an event
    gives it to this van, and leaves it when an event releases the van (a decline, an expiry, a
    cancellation, completion: that event is still theirs) or shows another van working on it.
    """

    def matches(record: EventRecord) -> bool:
        job_id = record.job_id
        if record.van_id == van_id or _plan_mentions(record, van_id):
            if job_id is not None:
                if _releases_van(record):
                    van_jobs.discard(job_id)
                else:
                    van_jobs.add(job_id)
            return True
        if job_id is None or job_id not in van_jobs:
            return False
        if record.van_id is not None:  # another van's event on the job: it is no longer ours
            van_jobs.discard(job_id)
            return False
        return True

    return matches


def _releases_van(record: EventRecord) -> bool:
    return (
        record.kind == "job.status"
        and record.to_status is not None
        and record.to_status not in {status.value for status in VAN_HOLDING_STATUSES}
    )


def _plan_mentions(record: EventRecord, van_id: int) -> bool:
    """A plan event whose routes include the van (``data.vans[].van_id``, as the planner records it)."""
    if record.plan_id is None:
        return False
    vans = record.data.get("vans")
    return isinstance(vans, list) and any(isinstance(v, dict) and v.get("van_id") == van_id for v in vans)


def _call_center_where(cities: frozenset[str]) -> ColumnElement[bool]:
    if not cities:
        return col(Event.job_id).is_not(None)
    city_jobs = select(RescueJob.id).where(col(RescueJob.city_adcode).in_(cities))
    return or_(col(Event.city_adcode).in_(cities), col(Event.job_id).in_(city_jobs))


def _technician_where(van_id: int) -> ColumnElement[bool]:
    offered = select(JobOffer.job_id).where(col(JobOffer.van_id) == van_id)
    held = select(RescueJob.id).where(col(RescueJob.van_id) == van_id)
    return or_(
        col(Event.van_id) == van_id,
        col(Event.plan_id).is_not(None),  # narrowed by the live filter (van_ids in the data)
        col(Event.job_id).in_(offered),
        col(Event.job_id).in_(held),
    )


def _staff_replay(
    context: StreamContext, where: ColumnElement[bool], matches: Callable[[EventRecord], bool]
) -> Callable[[int | None], AsyncIterator[tuple[str, int]]]:
    """Catch-up for staff: every missed event, in order, read in batches."""

    async def catch_up(last_event_id: int | None) -> AsyncIterator[tuple[str, int]]:
        if last_event_id is None:
            return
        after, sent = last_event_id, 0
        while sent < MAX_REPLAY:
            batch = await run_in_threadpool(_read_batch, context.session_factory, after, where)
            if not batch:
                return
            for record in batch:
                if matches(record):
                    yield record.staff_message, record.id
            after, sent = batch[-1].id, sent + len(batch)

    return catch_up


async def _staff_render(record: EventRecord) -> str:
    return record.staff_message


def _read_batch(
    session_factory: Callable[[], Session], after: int, where: ColumnElement[bool]
) -> list[EventRecord]:
    with session_factory() as session:
        return events_after(session, after_id=after, where=where)


async def _authenticate(
    websocket: WebSocket,
    context: StreamContext,
    query_token: str | None,
    ticket: str | None,
    roles: frozenset[Role],
) -> User | None:
    """The connection's user, or None after closing with 1008 (bad token, unknown user, wrong role)."""
    if ticket is not None:
        user = await run_in_threadpool(_ticket_user, context, ticket)
        if user is None or user.role not in roles:
            await reject(websocket, "票据无效、已使用或已过期，或无权订阅 / Invalid, used or expired ticket")
            return None
        return user
    token = await receive_token(websocket, query_token, context.settings.stream_auth_timeout_s)
    if token is None:
        await reject(websocket, "未登录 / Not authenticated")
        return None
    try:
        claims = read_token(token, context.settings.signing_key(), context.clock.now())
    except InvalidToken:
        await reject(websocket, "登录凭证无效或已过期 / Invalid or expired token")
        return None
    user = await run_in_threadpool(_active_user, context.session_factory, claims.user_id)
    if user is None or user.role not in roles:
        await reject(websocket, "无权订阅此数据流 / Not allowed on this stream")
        return None
    return user


def _ticket_user(context: StreamContext, ticket: str) -> User | None:
    with context.session_factory() as session:
        user_id = redeem_ticket(session=session, ticket=ticket, now=context.clock.now())
        session.commit()
    return _active_user(context.session_factory, user_id) if user_id is not None else None


def _active_user(session_factory: Callable[[], Session], user_id: int) -> User | None:
    with session_factory() as session:
        user = session.get(User, user_id)
        return user if user is not None and user.is_active else None


def _van_of(session_factory: Callable[[], Session], technician_id: int | None) -> int | None:
    if technician_id is None:
        return None
    with session_factory() as session:
        technician = session.get(Technician, technician_id)
        return technician.van_id if technician is not None and technician.is_active else None


def _jobs_of_van(session_factory: Callable[[], Session], van_id: int) -> set[uuid.UUID]:
    """Jobs the van holds now (a pending offer holds it too): later call-center changes to them concern it."""
    holding = [s.value for s in VAN_HOLDING_STATUSES]
    with session_factory() as session:
        held = session.exec(
            select(RescueJob.id).where(col(RescueJob.van_id) == van_id, col(RescueJob.status).in_(holding))
        ).all()
        return set(held)


def _open_jobs_in(session_factory: Callable[[], Session], cities: frozenset[str]) -> set[uuid.UUID]:
    with session_factory() as session:
        rows = session.exec(
            select(RescueJob.id).where(
                col(RescueJob.city_adcode).in_(cities),
                col(RescueJob.status).not_in([s.value for s in CLOSED_STATUSES]),
            )
        ).all()
        return set(rows)
