"""GPS pings, one or a batch recorded offline, and the offline action batch."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from field_app_api import actions
from field_app_api.batch import run_batch
from field_app_api.context import ContextDep
from field_app_api.schemas import BatchRequest, BatchResult, PingPayload, PingResult
from field_app_api.writes import IdempotentWriteDep

router = APIRouter()


@router.post("/pings", response_model=PingResult, summary="GPS pings / 上报定位 (1-500)")
def post_pings(body: PingPayload, ctx: ContextDep, write: IdempotentWriteDep) -> JSONResponse:
    """Stored for the track; the van moves only forward in time; the en-route job's ETA is refreshed."""
    return write.respond(body, lambda: actions.record_pings(ctx, body))


@router.post("/batch", response_model=BatchResult, summary="Offline action queue / 离线操作批量提交")
def post_batch(body: BatchRequest, ctx: ContextDep, write: IdempotentWriteDep) -> JSONResponse:
    """Applied in order; each item gets its own result and a failing item doesn't stop the others."""
    return write.respond(body, lambda: run_batch(ctx=ctx, user_id=ctx.crew.user_id, items=body.items))
