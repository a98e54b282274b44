"""Every HTTP and websocket call the simulator makes, in one place (so API changes touch one module).

Clients behave as real ones: they sign in, retry a write after a network error with the same
``Idempotency-Key``, sign in again when their token expires (simulated time runs fast), and resume a
websocket with ``last_event_id``. A status outside the caller's expected set raises `UnexpectedResponse`,
which the actor records as an error kind (``"POST /api/field/pings -> 500"``).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from seed.demo.report import Report

TRANSPORT_RETRIES = 3
RESUME_CLOSE_CODES = frozenset({1001, 1006, 1011, 1012, 4008})


class UnexpectedResponse(Exception):
    def __init__(self, route: str, status: int, body: str) -> None:
        super().__init__(f"{route} -> {status}: {body[:200]}")
        self.kind = f"{route} -> {status}"
        self.status = status
        self.body = body


class Api:
    """The HTTP connection pool of one simulator run."""

    def __init__(
        self, base_url: str, report: Report, *, password: str, tokens: dict[str, str] | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Signed-in tokens by username; a caller may share one cache between runs (signing in is costly).
        self.tokens = tokens if tokens is not None else {}
        self.report = report
        self.password = password
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(60.0),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    def user(self, username: str) -> User:
        return User(self, username)

    def ws_url(self, path: str) -> str:
        return "ws" + self.base_url.removeprefix("http") + path

    async def close(self) -> None:
        await self.http.aclose()


class User:
    """One signed-in person or device; every endpoint the simulator uses is a method here."""

    def __init__(self, api: Api, username: str) -> None:
        self.api = api
        self.username = username

    # -- plumbing ------------------------------------------------------------------------------------
    async def token(self, *, renew: bool = False) -> str:
        if self.username not in self.api.tokens or renew:
            body = await self._send(
                "POST",
                "/api/auth/token",
                "POST /api/auth/token",
                data={"username": self.username, "password": self.api.password},
                authorised=False,
            )
            self.api.tokens[self.username] = str(body["access_token"])
        return self.api.tokens[self.username]

    async def _send(
        self,
        method: str,
        path: str,
        route: str,
        *,
        ok: Iterable[int] = (200, 201),
        authorised: bool = True,
        idempotent: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Send with retries on network errors (same idempotency key); returns the JSON body."""
        headers: dict[str, str] = {"Idempotency-Key": str(uuid.uuid4())} if idempotent else {}
        accepted = set(ok)
        for attempt in range(TRANSPORT_RETRIES + 1):
            if authorised:
                headers["Authorization"] = f"Bearer {await self.token()}"
            try:
                response = await self.api.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                self.api.report.count("transport_retries")
                if attempt == TRANSPORT_RETRIES:
                    raise UnexpectedResponse(route, 0, repr(exc)) from exc
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            self.api.report.count("http_requests")
            if response.status_code == 401 and authorised and attempt == 0:
                await self.token(renew=True)  # simulated days outlive a token
                continue
            if response.status_code not in accepted:
                raise UnexpectedResponse(route, response.status_code, response.text)
            return response.json() if response.content else None
        raise UnexpectedResponse(route, 401, "still unauthorised after signing in again")

    async def _status_or_body(self, method: str, path: str, route: str, **kwargs: Any) -> tuple[int, Any]:
        """For calls whose refusal is a normal outcome (an offer already gone): (status, body)."""
        try:
            return 200, await self._send(method, path, route, **kwargs)
        except UnexpectedResponse as exc:
            if exc.status in (404, 409):
                return exc.status, None
            raise

    # -- fleet (staff) ---------------------------------------------------------------------------------
    async def vans(self) -> list[dict[str, Any]]:
        return list(await self._send("GET", "/api/fleet/vans", "GET /api/fleet/vans", params={"limit": 500}))

    async def stations(self) -> list[dict[str, Any]]:
        return list(await self._send("GET", "/api/fleet/stations", "GET /api/fleet/stations"))

    # -- call center ---------------------------------------------------------------------------------
    async def create_job(self, body: dict[str, Any]) -> tuple[int, Any]:
        """(201, the created job) or (409, None) when the vehicle already has an open job."""
        return await self._status_or_body(
            "POST", "/api/call-center/jobs", "POST /api/call-center/jobs", json=body, ok=(201,)
        )

    async def job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = await self._send(
            "GET", f"/api/call-center/jobs/{job_id}", "GET /api/call-center/jobs/{id}"
        )
        return job

    async def job_events(self, job_id: str) -> list[dict[str, Any]]:
        return list(
            await self._send(
                "GET", f"/api/call-center/jobs/{job_id}/events", "GET /api/call-center/jobs/{id}/events"
            )
        )

    async def jobs_needing_attention(self) -> list[dict[str, Any]]:
        return list(
            await self._send(
                "GET",
                "/api/call-center/jobs",
                "GET /api/call-center/jobs",
                params={"needs_attention": "true", "limit": 500},
            )
        )

    async def dispatch_job(self, job_id: str) -> tuple[int, Any]:
        return await self._status_or_body(
            "POST",
            f"/api/call-center/jobs/{job_id}/dispatch",
            "POST /api/call-center/jobs/{id}/dispatch",
            json={},
        )

    async def cancel_job(self, job_id: str, reason: str) -> tuple[int, Any]:
        return await self._status_or_body(
            "POST",
            f"/api/call-center/jobs/{job_id}/cancel",
            "POST /api/call-center/jobs/{id}/cancel",
            json={"reason": reason},
        )

    # -- technician's tablet -------------------------------------------------------------------------
    async def me(self) -> dict[str, Any]:
        me: dict[str, Any] = await self._send("GET", "/api/field/me", "GET /api/field/me")
        return me

    async def offers(self) -> list[dict[str, Any]]:
        return list(await self._send("GET", "/api/field/offers", "GET /api/field/offers"))

    async def my_jobs(self) -> dict[str, Any]:
        jobs: dict[str, Any] = await self._send("GET", "/api/field/jobs", "GET /api/field/jobs")
        return jobs

    async def accept_offer(self, offer_id: int) -> tuple[int, Any]:
        return await self._status_or_body(
            "POST",
            f"/api/field/offers/{offer_id}/accept",
            "POST /api/field/offers/{id}/accept",
            idempotent=True,
        )

    async def decline_offer(self, offer_id: int, reason: str) -> tuple[int, Any]:
        return await self._status_or_body(
            "POST",
            f"/api/field/offers/{offer_id}/decline",
            "POST /api/field/offers/{id}/decline",
            json={"reason": reason},
            idempotent=True,
        )

    async def move_job(self, job_id: str, status: str, recorded_at: str) -> dict[str, Any]:
        body: dict[str, Any] = await self._send(
            "POST",
            f"/api/field/jobs/{job_id}/status",
            "POST /api/field/jobs/{id}/status",
            json={"status": status, "recorded_at": recorded_at},
            idempotent=True,
        )
        return body

    async def pings(self, pings: list[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = await self._send(
            "POST", "/api/field/pings", "POST /api/field/pings", json=pings, idempotent=True
        )
        return body

    async def batch(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = await self._send(
            "POST", "/api/field/batch", "POST /api/field/batch", json={"items": items}, idempotent=True
        )
        return body

    async def add_parts(self, job_id: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return list(
            await self._send(
                "POST",
                f"/api/field/jobs/{job_id}/parts",
                "POST /api/field/jobs/{id}/parts",
                json={"parts": parts},
                idempotent=True,
            )
        )

    async def add_photo(self, job_id: str, name: str, payload: bytes) -> dict[str, Any]:
        body: dict[str, Any] = await self._send(
            "POST",
            f"/api/field/jobs/{job_id}/photos",
            "POST /api/field/jobs/{id}/photos",
            files={"file": (name, payload, "image/png")},
            idempotent=True,
        )
        return body

    async def complete(self, job_id: str, report: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = await self._send(
            "POST",
            f"/api/field/jobs/{job_id}/complete",
            "POST /api/field/jobs/{id}/complete",
            json=report,
            idempotent=True,
        )
        return body

    async def move_visit(self, visit_id: int, status: str, recorded_at: str) -> tuple[int, Any]:
        """(200, the visit), or (409, None) when the stop was moved or cancelled meanwhile."""
        return await self._status_or_body(
            "POST",
            f"/api/field/visits/{visit_id}/status",
            "POST /api/field/visits/{id}/status",
            json={"status": status, "recorded_at": recorded_at},
            idempotent=True,
        )

    async def plan_today(self) -> dict[str, Any]:
        body: dict[str, Any] = await self._send("GET", "/api/field/plan/today", "GET /api/field/plan/today")
        return body

    # -- planner -------------------------------------------------------------------------------------
    async def create_campaign(self, body: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = await self._send(
            "POST", "/api/planner/campaigns", "POST /api/planner/campaigns", json=body, ok=(201,)
        )
        return created

    async def availability(self, campaign_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The feasible windows, or None when the place lies outside the campaign's area (a 422)."""
        try:
            body: dict[str, Any] = await self._send(
                "GET",
                f"/api/planner/campaigns/{campaign_id}/availability",
                "GET /api/planner/campaigns/{id}/availability",
                params=params,
            )
        except UnexpectedResponse as exc:
            if exc.status == 422 and '"field":"lat"' in exc.body.replace(" ", ""):
                return None
            raise
        return body

    async def book(self, campaign_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        """(200, booking); (409, None) if the window is full; (422, None) if it is over; (422, "outside")."""
        try:
            return await self._status_or_body(
                "POST",
                f"/api/planner/campaigns/{campaign_id}/bookings",
                "POST /api/planner/campaigns/{id}/bookings",
                json=body,
                ok=(201,),
            )
        except UnexpectedResponse as exc:
            if exc.status == 422 and '"field":"window_start"' in exc.body.replace(" ", ""):
                return 422, None
            if exc.status == 422 and '"field":"lat"' in exc.body.replace(" ", ""):
                return 422, "outside"
            raise

    async def reschedule(self, booking_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        return await self._status_or_body(
            "POST",
            f"/api/planner/bookings/{booking_id}/reschedule",
            "POST /api/planner/bookings/{id}/reschedule",
            json=body,
        )

    async def build_plan(self, campaign_id: str, day: str) -> dict[str, Any]:
        body: dict[str, Any] = await self._send(
            "POST",
            f"/api/planner/campaigns/{campaign_id}/days/{day}/plans",
            "POST /api/planner/campaigns/{id}/days/{date}/plans",
            json={},
            ok=(201,),
        )
        return body

    async def publish_plan(self, plan_id: str) -> dict[str, Any]:
        body: dict[str, Any] = await self._send(
            "POST", f"/api/planner/plans/{plan_id}/publish", "POST /api/planner/plans/{id}/publish"
        )
        return body

    # -- owner's booking link (no sign-in: the link's token is the key) -----------------------------------
    async def my_booking_availability(self, token: str) -> dict[str, Any]:
        body: dict[str, Any] = await self._send(
            "GET",
            f"/api/my-booking/{token}/availability",
            "GET /api/my-booking/{token}/availability",
            authorised=False,
        )
        return body

    async def move_my_booking(self, token: str, body: dict[str, Any]) -> tuple[int, Any]:
        return await self._status_or_body(
            "POST",
            f"/api/my-booking/{token}/reschedule",
            "POST /api/my-booking/{token}/reschedule",
            json=body,
            authorised=False,
        )


OnEnvelope = Callable[[dict[str, Any]], Awaitable[None]]


async def follow_stream(
    api: Api,
    path: str,
    on_envelope: OnEnvelope,
    *,
    user: User | None,
    running: Callable[[], bool],
    label: str,
) -> None:
    """Read a live stream until `running()` turns false, resuming after drops with ``last_event_id``.

    Staff streams sign in with the token as the first message (tokens stay out of URLs and logs).
    """
    last_event_id: int | None = None
    renewed = False
    while running():
        query = f"{'&' if '?' in path else '?'}last_event_id={last_event_id}" if last_event_id else ""
        try:
            async with connect(api.ws_url(path + query), open_timeout=30, max_queue=4096) as ws:
                if user is not None:
                    await ws.send(json.dumps({"type": "auth", "token": await user.token(renew=renewed)}))
                while running():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    envelope = json.loads(raw)
                    api.report.count("ws_messages")
                    if envelope.get("event_id") is not None:
                        last_event_id = max(last_event_id or 0, int(envelope["event_id"]))
                    await on_envelope(envelope)
                return
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 1006
            if code == 1008 and user is not None and not renewed:
                renewed = True  # the token expired in simulated time: sign in again once
                continue
            if code not in RESUME_CLOSE_CODES:
                api.report.error(f"ws {label} closed {code}", str(closed))
                return
            api.report.count("ws_resumes")
        except (OSError, InvalidStatus, TimeoutError) as exc:
            if not running():
                return
            api.report.error(f"ws {label} connect", repr(exc))
            await asyncio.sleep(1.0)
