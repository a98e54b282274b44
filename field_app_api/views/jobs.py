"""The crew's jobs: read them, move them along, record the work."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from field_app_api import actions
from field_app_api.context import ContextDep
from field_app_api.crew import CrewJob
from field_app_api.jobs import job_work, van_jobs
from field_app_api.schemas import (
    AttachmentRead,
    CompletionReport,
    JobDetail,
    JobList,
    JobRead,
    LabourCreate,
    LabourRead,
    NoteCreate,
    NoteRead,
    PartRead,
    PartsCreate,
    StatusChange,
)
from field_app_api.writes import IdempotentWriteDep

router = APIRouter(prefix="/jobs")


@router.get("", response_model=JobList, summary="My van's active and recent jobs / 我的救援单")
def list_jobs(ctx: ContextDep) -> JobList:
    jobs = van_jobs(session=ctx.session, van_id=ctx.crew.van_id, now=ctx.now)
    return JobList(
        active=[actions.job_read(j) for j in jobs.active], recent=[actions.job_read(j) for j in jobs.recent]
    )


@router.get("/{job_id}", response_model=JobDetail, summary="One of my jobs / 救援单详情")
def get_job(job: CrewJob, ctx: ContextDep) -> JobDetail:
    done = job_work(session=ctx.session, job_id=job.id)
    return JobDetail(
        **actions.job_read(job).model_dump(),
        parts=[PartRead.model_validate(p) for p in done.parts],
        notes=[NoteRead.model_validate(n) for n in done.notes],
        attachments=[AttachmentRead.model_validate(a) for a in done.attachments],
    )


@router.post("/{job_id}/status", response_model=JobRead, summary="Move my job / 更新救援单状态")
def change_status(
    job_id: uuid.UUID, body: StatusChange, ctx: ContextDep, write: IdempotentWriteDep
) -> JSONResponse:
    """en_route → on_site → in_service → completed / towed (with station) / failed (with reason)."""
    return write.respond(body, lambda: actions.change_status(ctx, job_id, body))


@router.post("/{job_id}/complete", response_model=JobRead, summary="Completion report / 完工报告")
def complete(
    job_id: uuid.UUID, body: CompletionReport, ctx: ContextDep, write: IdempotentWriteDep
) -> JSONResponse:
    """Closes the job: completed when repaired on site, towed to `towed_to_station_id` otherwise."""
    return write.respond(body, lambda: actions.complete(ctx, job_id, body))


@router.post("/{job_id}/notes", response_model=NoteRead, status_code=201, summary="Add a note / 添加备注")
def add_note(job_id: uuid.UUID, body: NoteCreate, ctx: ContextDep, write: IdempotentWriteDep) -> JSONResponse:
    return write.respond(body, lambda: actions.add_note(ctx, job_id, body), status_code=201)


@router.post(
    "/{job_id}/parts", response_model=list[PartRead], status_code=201, summary="Parts used / 记录用料"
)
def add_parts(
    job_id: uuid.UUID, body: PartsCreate, ctx: ContextDep, write: IdempotentWriteDep
) -> JSONResponse:
    return write.respond(body, lambda: actions.add_parts(ctx, job_id, body), status_code=201)


@router.post("/{job_id}/labour", response_model=LabourRead, summary="Add labour time / 记录工时")
def add_labour(
    job_id: uuid.UUID, body: LabourCreate, ctx: ContextDep, write: IdempotentWriteDep
) -> JSONResponse:
    return write.respond(body, lambda: actions.add_labour(ctx, job_id, body))
