"""Follow-up endpoints.

GET  /api/call-center/followups                         the agents' work queue: calls due now
POST /api/call-center/followups/{id}/calls              one call's outcome (and scores if reached)
POST /api/call-center/bookings/{booking_id}/served      a countryside visit was served
GET  /api/call-center/escalations[?status=&overdue=]    low scores and complaints (overdue flagged)
POST /api/call-center/escalations/{id}/acknowledge
POST /api/call-center/escalations/{id}/close            needs a resolution note
GET|PUT /api/admin/stations/{station_id}/service-manager
GET|POST /api/track/{token}/survey                      the owner's one-tap survey, once, after completion
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from dispatch.api.deps import AdminDep, AgentDep, ClockDep, SessionDep, SettingsDep, StaffDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import Offset, RowId
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.errors import NotFound
from dispatch.followups import escalations, survey, tasks
from dispatch.followups.models import Escalation, EscalationStatus, StationServiceManager
from dispatch.followups.schemas import (
    CallRecord,
    EscalationClose,
    EscalationRead,
    FollowUpRead,
    ManagerRead,
    ManagerWrite,
    ResponseRead,
    SurveyRead,
    SurveyWrite,
)
from dispatch.followups.visits import mark_served
from dispatch.tracking.service import open_link

router = APIRouter(prefix="/api/call-center", tags=["after-sales / 回访"], responses=ERROR_RESPONSES)
admin_router = APIRouter(prefix="/api/admin", tags=["after-sales / 回访"], responses=ERROR_RESPONSES)
owner_router = APIRouter(prefix="/api/track", tags=["owner tracking / 车主查询"], responses=ERROR_RESPONSES)


@router.get(
    "/followups",
    response_model=list[FollowUpRead],
    summary="Follow-up calls due / 待回访",
    responses=TOTAL_COUNT_HEADER,
)
def work_queue(
    _agent: AgentDep,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    due_by: Annotated[datetime | None, Query(description="default: now")] = None,
    city: Annotated[str | None, Query(min_length=6, max_length=6)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> list[FollowUpRead]:
    """Open follow-up calls (24 h, 3 d, 5 d after completion) due by `due_by`, the longest-waiting first."""
    total, rows = tasks.work_queue(
        session=session, due_by=due_by or clock.now(), city_adcode=city, limit=limit, offset=offset
    )
    set_total_count(response, total)
    return [FollowUpRead.model_validate(r) for r in rows]


@router.post("/followups/{task_id}/calls", response_model=FollowUpRead, summary="Record a call / 记录回访")
def record_call(
    task_id: RowId, body: CallRecord, agent: AgentDep, session: SessionDep, clock: ClockDep
) -> FollowUpRead:
    task = tasks.get_task(session=session, task_id=task_id)
    tasks.record_call(
        session=session,
        task=task,
        outcome=body.outcome,
        scores=body.scores(),
        call_back_at=body.call_back_at,
        actor=agent.username,
        now=clock.now(),
    )
    return FollowUpRead.model_validate(task)


@router.post("/bookings/{booking_id}/served", status_code=204, summary="Visit served / 上门服务完成")
def booking_served(booking_id: uuid.UUID, staff: StaffDep, session: SessionDep, clock: ClockDep) -> Response:
    mark_served(session=session, booking_id=booking_id, actor=staff.username, now=clock.now())
    return Response(status_code=204)


@router.get(
    "/escalations",
    response_model=list[EscalationRead],
    summary="Escalations / 升级工单",
    responses=TOTAL_COUNT_HEADER,
)
def list_escalations(
    _agent: AgentDep,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    status: EscalationStatus | None = None,
    overdue: Annotated[bool | None, Query(description="true: open past the 1-hour deadline")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> list[EscalationRead]:
    now = clock.now()
    total, rows = escalations.list_escalations(
        session=session, status=status, overdue=overdue, now=now, limit=limit, offset=offset
    )
    set_total_count(response, total)
    return [_escalation_read(r, now) for r in rows]


@router.post(
    "/escalations/{escalation_id}/acknowledge", response_model=EscalationRead, summary="Acknowledge / 确认"
)
def acknowledge(
    escalation_id: RowId, agent: AgentDep, session: SessionDep, clock: ClockDep
) -> EscalationRead:
    escalation = escalations.get_escalation(session=session, escalation_id=escalation_id)
    escalations.acknowledge(session=session, escalation=escalation, actor=agent.username, now=clock.now())
    return _escalation_read(escalation, clock.now())


@router.post("/escalations/{escalation_id}/close", response_model=EscalationRead, summary="Close / 关闭")
def close(
    escalation_id: RowId, body: EscalationClose, agent: AgentDep, session: SessionDep, clock: ClockDep
) -> EscalationRead:
    escalation = escalations.get_escalation(session=session, escalation_id=escalation_id)
    escalations.close(
        session=session,
        escalation=escalation,
        note=body.resolution_note,
        actor=agent.username,
        now=clock.now(),
    )
    return _escalation_read(escalation, clock.now())


@admin_router.put(
    "/stations/{station_id}/service-manager",
    response_model=ManagerRead,
    summary="Set service manager / 服务经理",
)
def put_manager(
    station_id: RowId, body: ManagerWrite, _admin: AdminDep, session: SessionDep, clock: ClockDep
) -> ManagerRead:
    manager = escalations.set_manager(
        session=session, station_id=station_id, name=body.name, phone=body.phone, now=clock.now()
    )
    return ManagerRead.model_validate(manager)


@admin_router.get(
    "/stations/{station_id}/service-manager", response_model=ManagerRead, summary="Service manager / 服务经理"
)
def get_manager(station_id: RowId, _admin: AdminDep, session: SessionDep) -> ManagerRead:
    manager = session.get(StationServiceManager, station_id)
    if manager is None:
        raise NotFound(f"服务站 {station_id} 未设置服务经理 / Station {station_id} has no service manager")
    return ManagerRead.model_validate(manager)


@owner_router.get("/{token}/survey", response_model=SurveyRead, summary="Rate the service / 服务评价")
def survey_state(token: str, session: SessionDep, settings: SettingsDep, clock: ClockDep) -> SurveyRead:
    link = open_link(session=session, token=token, now=clock.now(), settings=settings)
    state = survey.survey_state(session=session, link=link)
    return SurveyRead(reference=state.reference, open=state.open, answered=state.answered)


@owner_router.post(
    "/{token}/survey", response_model=ResponseRead, status_code=201, summary="Rate the service / 提交评价"
)
def answer_survey(
    token: str, body: SurveyWrite, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> ResponseRead:
    """Once per job or visit, after completion: a second answer, or one before completion, is a 409."""
    link = open_link(session=session, token=token, now=clock.now(), settings=settings)
    response = survey.answer_survey(session=session, link=link, scores=body.scores(), now=clock.now())
    return ResponseRead.model_validate(response)


def _escalation_read(escalation: Escalation, now: datetime) -> EscalationRead:
    read = EscalationRead.model_validate(escalation)
    read.overdue = escalations.is_overdue(escalation, now)
    return read
