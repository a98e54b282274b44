"""Liveness and database health for load balancers and docker-compose.

"ok": the database answers and the event bus is connected. "degraded" (still 200): the database answers but
Redis does not; dispatch goes on, live events between workers arrive by polling the event log.
"unavailable" (503): the database does not answer.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from dispatch.api.deps import EngineDep
from dispatch.events.bus import EventBus

router = APIRouter(tags=["health / 健康检查"])


@router.get("/health", summary="Health: checks the database and the event bus (no auth)")
def health(engine: EngineDep, request: Request) -> JSONResponse:
    bus: EventBus = request.app.state.event_bus
    bus_status = bus.status
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        body = {"status": "unavailable", "database": "unreachable", **bus_status}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    degraded = any(value != "ok" for value in bus_status.values())
    body = {"status": "degraded" if degraded else "ok", "database": "ok", "backend": engine.dialect.name}
    return JSONResponse({**body, **bus_status})
