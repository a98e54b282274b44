"""Liveness and database health for load balancers and docker-compose."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from dispatch.api.deps import EngineDep

router = APIRouter(tags=["health / 健康检查"])


@router.get("/health", summary="Health: checks the database (no auth)")
def health(engine: EngineDep) -> JSONResponse:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "backend": engine.dialect.name})
