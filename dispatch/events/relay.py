"""Serving one live stream over one websocket: authenticate, catch up, then relay.

The order that makes resuming exact:

1. subscribe first, so nothing committed from now on is missed;
2. catch up from the event log (``id > last_event_id``), remembering the last id sent: the seam;
3. send ``stream.ready``, then relay live events, skipping any id at or below the seam (it was both
   replayed and queued).

Three things end a connection: the client goes away; the subscription is ended (mailbox overflow or a bus
reconnect: close 4008 "resume"; shutdown: 1001); or a send fails. Idle connections get a
``stream.heartbeat`` message every `stream_heartbeat_s`, for proxies that cut quiet connections; dead peers
are found by the server's protocol pings (uvicorn: 20 s interval, 20 s timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from sqlmodel import Session
from starlette.websockets import WebSocketState

from dispatch.clock import Clock
from dispatch.events.bus import CloseCode, EventBus, Matcher, Subscription, cancel_quietly
from dispatch.events.envelope import EventRecord, control_envelope
from dispatch.settings import Settings

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Stream:
    """What one client sees: which live events, how it catches up, how an event becomes a message."""

    name: str
    matches: Matcher
    # Messages (JSON text, event id) for everything after the given id; None: a fresh client.
    catch_up: Callable[[int | None], AsyncIterator[tuple[str, int]]]
    # The message for one live event, or None to skip it.
    render: Callable[[EventRecord], Awaitable[str | None]]


@dataclass(frozen=True)
class StreamContext:
    """The app's pieces a stream handler needs (websocket routes can't use the request dependencies)."""

    bus: EventBus
    settings: Settings
    clock: Clock
    session_factory: Callable[[], Session]

    @classmethod
    def of(cls, websocket: WebSocket) -> StreamContext:
        state = websocket.app.state
        return cls(
            bus=state.event_bus,
            settings=state.settings,
            clock=state.clock,
            session_factory=state.session_factory,
        )


async def receive_token(websocket: WebSocket, query_token: str | None, timeout_s: float) -> str | None:
    """The token from ``?token=``, or else from a first message ``{"type": "auth", "token": "..."}``."""
    if query_token:
        return query_token
    try:
        message: Any = await asyncio.wait_for(websocket.receive_json(), timeout_s)
    except (TimeoutError, ValueError, KeyError, WebSocketDisconnect):
        return None
    if isinstance(message, dict) and message.get("type") == "auth" and isinstance(message.get("token"), str):
        token: str = message["token"]
        return token
    return None


async def reject(websocket: WebSocket, reason: str) -> None:
    """Close with 1008 policy violation; nothing else has been sent on this socket."""
    await close(websocket, CloseCode.POLICY_VIOLATION, reason)


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code, reason), CLOSE_TIMEOUT_S)


async def serve(
    websocket: WebSocket, context: StreamContext, stream: Stream, last_event_id: int | None
) -> None:
    """Run one accepted, authenticated connection until it ends."""
    subscription, live_after = await context.bus.join(stream.matches, context.settings.stream_queue_size)
    try:
        seam = last_event_id if last_event_id is not None else live_after
        async for message, event_id in stream.catch_up(last_event_id):
            await websocket.send_text(message)
            seam = max(seam, event_id)
        ready = control_envelope(
            "stream.ready", context.clock.now(), {"stream": stream.name, "last_event_id": seam}
        )
        await websocket.send_text(ready.model_dump_json())
        await _relay_until_done(websocket, context, stream, subscription, seam)
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("stream %s failed", stream.name)
        await close(websocket, CloseCode.INTERNAL_ERROR, "internal error / 服务器内部错误")
    finally:
        context.bus.unsubscribe(subscription)


async def _relay_until_done(
    websocket: WebSocket, context: StreamContext, stream: Stream, subscription: Subscription, seam: int
) -> None:
    relay = asyncio.create_task(_relay(websocket, context, stream, subscription, seam))
    listen = asyncio.create_task(_until_client_leaves(websocket))
    ended = asyncio.create_task(subscription.ended.wait())
    try:
        done, _ = await asyncio.wait({relay, listen, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (relay, listen, ended):
            await cancel_quietly(task)
    if ended in done:
        await close(websocket, subscription.close_code, subscription.close_reason)
    elif relay in done and not relay.cancelled() and relay.exception() is not None:
        exc = relay.exception()
        if not isinstance(exc, WebSocketDisconnect | RuntimeError | OSError):
            raise exc  # type: ignore[misc]


async def _relay(
    websocket: WebSocket, context: StreamContext, stream: Stream, subscription: Subscription, seam: int
) -> None:
    heartbeat_s = context.settings.stream_heartbeat_s
    while True:
        record = await _next_or_none(subscription, heartbeat_s)
        if record is None:
            heartbeat = control_envelope("stream.heartbeat", context.clock.now())
            await websocket.send_text(heartbeat.model_dump_json())
            continue
        if record.id <= seam:
            continue
        message = await stream.render(record)
        if message is not None:
            await websocket.send_text(message)


async def _next_or_none(subscription: Subscription, timeout_s: float) -> EventRecord | None:
    """The next queued event, or None after `timeout_s` idle (cheap: no task or timer when one is waiting)."""
    try:
        return subscription.queue.get_nowait()
    except asyncio.QueueEmpty:
        pass
    try:
        async with asyncio.timeout(timeout_s):
            return await subscription.queue.get()
    except TimeoutError:
        return None


async def _until_client_leaves(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it disconnects."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
