"""The crew's campaign visits: started, completed or skipped, by the id today's plan gives each stop."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dispatch.api.ids import RowId
from field_app_api import actions
from field_app_api.context import ContextDep
from field_app_api.schemas import VisitRead, VisitStatusChange
from field_app_api.writes import IdempotentWriteDep

router = APIRouter(prefix="/visits")


@router.post("/{visit_id}/status", response_model=VisitRead, summary="Move my visit / 更新上门服务状态")
def change_status(
    visit_id: RowId, body: VisitStatusChange, ctx: ContextDep, write: IdempotentWriteDep
) -> JSONResponse:
    """planned → in_progress → completed; planned → completed; planned / in_progress → skipped (with reason).

    `visit_id` is a stop's `visit_id` from `GET /plan/today`; after a re-plan it still finds the booking's
    stop on the published plan. Sending the status a visit already has changes nothing.
    """
    return write.respond(body, lambda: actions.move_visit(ctx, visit_id, body))
