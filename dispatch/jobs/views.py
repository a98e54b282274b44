"""Call-center API for rescue jobs: intake, candidates, dispatch, lifecycle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from geopy.geocoders import get_geocoder_for_service

from dispatch.api.deps import AgentDep, ClockDep, SessionDep, SettingsDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import Offset
from dispatch.api.responses import model_response
from dispatch.jobs import service
from dispatch.jobs.geocoding import OnlineGeocoder
from dispatch.jobs.intake import create_job
from dispatch.jobs.matching import CandidateSearch
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.jobs.schemas import (
    CancelRequest,
    CandidatesRead,
    DispatchRequest,
    DispatchResult,
    EventRead,
    JobCreate,
    JobCreated,
    JobRead,
    OfferRead,
)
from dispatch.settings import Settings

router = APIRouter(prefix="/api/call-center", tags=["call center / 呼叫中心"], responses=ERROR_RESPONSES)


def _job_or_404(job_key: str, _user: AgentDep, session: SessionDep) -> RescueJob:
    return service.get_job(session=session, key=job_key)


CurrentJob = Annotated[RescueJob, Depends(_job_or_404)]


async def _online_geocoder(request: Request) -> OnlineGeocoder | None:
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
    online: Annotated[OnlineGeocoder | None, Depends(_online_geocoder)],
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
        job=JobRead.model_validate(job),
        tracking_token=token,
        tracking_url=f"{settings.public_base_url.rstrip('/')}/track/{token}",
        candidates=_candidates(search),
        offer=OfferRead.model_validate(offer) if offer else None,
    )
    return model_response(created, status.HTTP_201_CREATED)


@router.get("/jobs", response_model=list[JobRead], summary="Rescue jobs / 救援单列表 (agent)")
def list_jobs(
    _user: AgentDep,
    session: SessionDep,
    status_filter: Annotated[JobStatus | None, Query(alias="status")] = None,
    city_adcode: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    needs_attention: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> list[RescueJob]:
    return list(
        service.list_jobs(
            session=session,
            status=status_filter,
            city_adcode=city_adcode,
            needs_attention=needs_attention,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/jobs/{job_key}", response_model=JobRead, summary="One rescue job / 救援单详情 (agent)")
def get_job(job: CurrentJob) -> RescueJob:
    return job


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
        job=JobRead.model_validate(outcome.job),
        offer=OfferRead.model_validate(outcome.offer) if outcome.offer else None,
        candidates=_candidates(outcome.search) if outcome.search else None,
    )


@router.post("/jobs/{job_key}/cancel", response_model=JobRead, summary="Cancel a job / 取消救援单 (agent)")
def cancel(
    job: CurrentJob,
    body: CancelRequest,
    user: AgentDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RescueJob:
    return service.cancel_job(
        session=session, job=job, actor=user.username, now=clock.now(), reason=body.reason, settings=settings
    )


@router.get(
    "/jobs/{job_key}/events", response_model=list[EventRead], summary="Audit trail / 救援单事件 (agent)"
)
def events(job: CurrentJob, session: SessionDep) -> list[EventRead]:
    return [EventRead.model_validate(e) for e in service.job_events(session=session, job=job)]
