"""Call-center API for rescue jobs: intake, candidates, dispatch, lifecycle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from geopy.geocoders import get_geocoder_for_service

from dispatch.api.deps import AgentDep, ClockDep, SessionDep, SettingsDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import Offset
from dispatch.api.responses import model_response
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.jobs import service
from dispatch.jobs.corrections import correct_job
from dispatch.jobs.geocoding import OnlineGeocoder
from dispatch.jobs.intake import create_job
from dispatch.jobs.matching import CandidateSearch
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.jobs.reads import job_read, job_reads, offer_read
from dispatch.jobs.schemas import (
    CancelRequest,
    CandidatesRead,
    DispatchRequest,
    DispatchResult,
    EventRead,
    JobCreate,
    JobCreated,
    JobRead,
    JobUpdate,
)
from dispatch.settings import Settings

router = APIRouter(prefix="/api/call-center", tags=["call center / 呼叫中心"], responses=ERROR_RESPONSES)


def _job_or_404(job_key: str, _user: AgentDep, session: SessionDep) -> RescueJob:
    return service.get_job(session=session, key=job_key)


CurrentJob = Annotated[RescueJob, Depends(_job_or_404)]


async def online_geocoder(request: Request) -> OnlineGeocoder | None:
    settings: Settings = request.app.state.settings
    if not settings.online_geocoder:
        return None
    cached: OnlineGeocoder | None = getattr(request.app.state, "online_geocoder", None)
    if cached is None:
        kwargs = {"api_key": settings.online_geocoder_key} if settings.online_geocoder_key else {}
        geocoder_class = get_geocoder_for_service(settings.online_geocoder)
        cached = geocoder_class(user_agent="roadside-dispatch", **kwargs)
        request.app.state.online_geocoder = cached
    return cached


def _candidates(search: CandidateSearch) -> CandidatesRead:
    return CandidatesRead.from_search(search)


def _skipped_reason(search: CandidateSearch) -> str:
    """Why auto-dispatch made no offer, for the agent who asked for one."""
    if not search.candidates:
        return (
            f"{search.radius_km:g} 公里内没有可用救援车，已转人工 / "
            f"No qualifying van within {search.radius_km:g} km: the job needs the agent"
        )
    return "候选车辆均已被占用 / Every candidate van was taken meanwhile"


@router.post(
    "/jobs",
    response_model=JobCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a rescue job and rank vans / 新建救援单并匹配车辆 (agent)",
)
def create(
    body: JobCreate,
    user: AgentDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    online: Annotated[OnlineGeocoder | None, Depends(online_geocoder)],
) -> Response:
    now = clock.now()
    new = create_job(session=session, request=body, actor=user.username, now=now, online_geocoder=online)
    job, token = new.job, new.tracking_token
    offer = None
    if body.auto_dispatch:
        outcome = service.dispatch_job(
            session=session, job=job, actor=user.username, now=now, settings=settings
        )
        assert outcome.search is not None
        search, offer = outcome.search, outcome.offer
    else:
        search = service.rank_job(session=session, job=job, now=now, settings=settings)
    created = JobCreated(
        job=job_read(session, job),
        tracking_token=token,
        tracking_url=f"{settings.public_base_url.rstrip('/')}/track/{token}",
        candidates=_candidates(search),
        offer=offer_read(session, offer) if offer else None,
        offer_skipped_reason=_skipped_reason(search) if body.auto_dispatch and offer is None else None,
    )
    return model_response(created, status.HTTP_201_CREATED)


@router.get(
    "/jobs",
    response_model=list[JobRead],
    summary="Rescue jobs, or find one by phone, plate or reference / 救援单列表与查找 (agent)",
    responses=TOTAL_COUNT_HEADER,
)
def list_jobs(
    _user: AgentDep,
    session: SessionDep,
    response: Response,
    status_filter: Annotated[
        list[JobStatus] | None,
        Query(alias="status", description="one or more statuses (repeat the parameter)"),
    ] = None,
    open_only: Annotated[
        bool | None, Query(alias="open", description="true: open jobs only; false: closed jobs only")
    ] = None,
    city_adcode: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    needs_attention: bool | None = None,
    q: Annotated[
        str | None,
        Query(min_length=2, max_length=40, description="caller's phone, plate, VIN or reference (any part)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> list[JobRead]:
    page = service.list_jobs(
        session=session,
        statuses=status_filter,
        is_open=open_only,
        city_adcode=city_adcode,
        needs_attention=needs_attention,
        q=q,
        limit=limit,
        offset=offset,
    )
    set_total_count(response, page.total)
    return job_reads(session, page.jobs)


@router.get("/jobs/{job_key}", response_model=JobRead, summary="One rescue job / 救援单详情 (agent)")
def get_job(job: CurrentJob, session: SessionDep) -> JobRead:
    return job_read(session, job)


@router.patch(
    "/jobs/{job_key}",
    response_model=JobRead,
    summary="Correct an open job's phone, fault or location / 修改救援单 (agent)",
)
def correct(
    job: CurrentJob,
    body: JobUpdate,
    user: AgentDep,
    session: SessionDep,
    clock: ClockDep,
    online: Annotated[OnlineGeocoder | None, Depends(online_geocoder)],
) -> JobRead:
    """Send the `version` you read: a job changed since is a 409 with the current version."""
    corrected = correct_job(
        session=session, job=job, request=body, actor=user.username, now=clock.now(), online_geocoder=online
    )
    return job_read(session, corrected)


@router.get(
    "/jobs/{job_key}/candidates",
    response_model=CandidatesRead,
    summary="Vans ranked by ETA, optionally with exclusions / 候选车辆 (agent)",
)
def candidates(
    job: CurrentJob,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    explain: bool = False,
) -> CandidatesRead:
    search = service.rank_job(session=session, job=job, now=clock.now(), settings=settings, explain=explain)
    return _candidates(search)


@router.post(
    "/jobs/{job_key}/dispatch",
    response_model=DispatchResult,
    summary="Offer to the best van, or to the agent's pick / 派单 (agent)",
)
def dispatch(
    job: CurrentJob,
    user: AgentDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    body: DispatchRequest | None = None,
) -> DispatchResult:
    body = body or DispatchRequest()
    outcome = service.dispatch_job(
        session=session,
        job=job,
        actor=user.username,
        now=clock.now(),
        settings=settings,
        van_id=body.van_id,
        reason=body.reason,
    )
    return DispatchResult(
        job=job_read(session, outcome.job),
        offer=offer_read(session, outcome.offer) if outcome.offer else None,
        candidates=_candidates(outcome.search) if outcome.search else None,
        offer_skipped_reason=(
            _skipped_reason(outcome.search) if outcome.offer is None and outcome.search else None
        ),
    )


@router.post("/jobs/{job_key}/cancel", response_model=JobRead, summary="Cancel a job / 取消救援单 (agent)")
def cancel(
    job: CurrentJob,
    body: CancelRequest,
    user: AgentDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> JobRead:
    cancelled = service.cancel_job(
        session=session, job=job, actor=user.username, now=clock.now(), reason=body.reason, settings=settings
    )
    return job_read(session, cancelled)


@router.get(
    "/jobs/{job_key}/events", response_model=list[EventRead], summary="Audit trail / 救援单事件 (agent)"
)
def events(job: CurrentJob, session: SessionDep) -> list[EventRead]:
    return [EventRead.model_validate(e) for e in service.job_events(session=session, job=job)]
