"""Planner API: coverage gaps, countryside campaigns, bookings and day plans.

Planners create campaigns and plans; call-center agents (and planners) take bookings on the phone. Owners
change their own booking through ``owner_router``, with the tracking token as their only credential.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from dispatch.api.deps import ClockDep, PlannerDep, SessionDep, SettingsDep, StaffDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import Offset
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.campaigns import bookings as booking_service
from dispatch.campaigns import plans as plan_service
from dispatch.campaigns import service as campaign_service
from dispatch.campaigns.coverage import coverage_geojson, coverage_report
from dispatch.campaigns.coverage_schemas import CoverageRead, coverage_read
from dispatch.campaigns.dayproblem import local_today
from dispatch.campaigns.invitations import invitation_list
from dispatch.campaigns.models import Booking, Campaign, RoutePlan
from dispatch.campaigns.reads import booking_created, booking_read, plan_read
from dispatch.campaigns.schemas import (
    AvailabilityRead,
    BookingCreate,
    BookingCreated,
    BookingPlace,
    BookingRead,
    BookingReschedule,
    CampaignCreate,
    CampaignRead,
    Invitation,
    PlanRead,
    PlanRequest,
)

router = APIRouter(prefix="/api/planner", tags=["planner / 服务规划"], responses=ERROR_RESPONSES)


# The loaders check the role first (staff; planners only for planner-only things), so nobody can probe
# which ids exist: a wrong role gets 403 whether the id exists or not.
def _campaign_or_404(campaign_id: uuid.UUID, _user: StaffDep, session: SessionDep) -> Campaign:
    return campaign_service.get_campaign(session=session, campaign_id=campaign_id)


def _booking_or_404(booking_id: uuid.UUID, _user: StaffDep, session: SessionDep) -> Booking:
    return booking_service.get_booking(session=session, booking_id=booking_id)


def _planner_campaign_or_404(campaign_id: uuid.UUID, _user: PlannerDep, session: SessionDep) -> Campaign:
    return campaign_service.get_campaign(session=session, campaign_id=campaign_id)


def _plan_or_404(plan_id: uuid.UUID, _user: PlannerDep, session: SessionDep) -> RoutePlan:
    return plan_service.get_plan(session=session, plan_id=plan_id)


CurrentCampaign = Annotated[Campaign, Depends(_campaign_or_404)]
PlannerCampaign = Annotated[Campaign, Depends(_planner_campaign_or_404)]
CurrentBooking = Annotated[Booking, Depends(_booking_or_404)]
CurrentPlan = Annotated[RoutePlan, Depends(_plan_or_404)]


# -- coverage ---------------------------------------------------------------------------------------
@router.get("/coverage", response_model=CoverageRead, summary="Coverage and county gaps / 覆盖分析 (planner)")
def get_coverage(_user: PlannerDep, session: SessionDep, settings: SettingsDep) -> CoverageRead:
    return coverage_read(coverage_report(session=session, settings=settings))


@router.get("/coverage.geojson", summary="Coverage map layers (GeoJSON) / 覆盖地图 (staff)")
def get_coverage_geojson(_user: StaffDep, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    return coverage_geojson(coverage_report(session=session, settings=settings))


# -- campaigns --------------------------------------------------------------------------------------
@router.post(
    "/campaigns",
    response_model=CampaignRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a campaign / 创建流动服务活动 (planner)",
)
def create_campaign(
    body: CampaignCreate, user: PlannerDep, session: SessionDep, clock: ClockDep
) -> CampaignRead:
    campaign = campaign_service.create_campaign(
        session=session, request=body, actor=user.username, now=clock.now()
    )
    return campaign_service.campaign_read(session=session, campaign=campaign)


@router.get(
    "/campaigns",
    response_model=list[CampaignRead],
    summary="Campaigns / 活动列表 (staff)",
    responses=TOTAL_COUNT_HEADER,
)
def list_campaigns(_user: StaffDep, session: SessionDep, response: Response) -> list[CampaignRead]:
    campaigns = campaign_service.list_campaigns(session=session)
    set_total_count(response, len(campaigns))
    return [campaign_service.campaign_read(session=session, campaign=c) for c in campaigns]


@router.get(
    "/campaigns/{campaign_id}", response_model=CampaignRead, summary="One campaign / 活动详情 (staff)"
)
def get_campaign(campaign: CurrentCampaign, _user: StaffDep, session: SessionDep) -> CampaignRead:
    return campaign_service.campaign_read(session=session, campaign=campaign)


@router.get(
    "/campaigns/{campaign_id}/invitations",
    response_model=list[Invitation],
    summary="Owners to call, most overdue first / 外呼邀约名单 (staff)",
    responses=TOTAL_COUNT_HEADER,
)
def list_invitations(
    campaign: CurrentCampaign,
    _user: StaffDep,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[Invitation]:
    today = local_today(clock.now())
    page, total = invitation_list(session=session, campaign=campaign, today=today, limit=limit, offset=offset)
    set_total_count(response, total)
    return page


# -- bookings ---------------------------------------------------------------------------------------
@router.get(
    "/campaigns/{campaign_id}/availability",
    response_model=AvailabilityRead,
    summary="Feasible days and arrival windows / 可预约日期与时段 (staff)",
)
def get_availability(
    campaign: CurrentCampaign,
    _user: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    service_code: str,
    place: Annotated[BookingPlace, Query()],
    service_date: date | None = None,
) -> AvailabilityRead:
    return booking_service.availability(
        session=session,
        settings=settings,
        campaign=campaign,
        service_code=service_code,
        place=place,
        now=clock.now(),
        service_date=service_date,
    )


@router.post(
    "/campaigns/{campaign_id}/bookings",
    response_model=BookingCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Book a visit / 预约上门服务 (staff)",
)
def create_booking(
    campaign: CurrentCampaign,
    body: BookingCreate,
    user: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> BookingCreated:
    booking, link = booking_service.create_booking(
        session=session,
        settings=settings,
        campaign=campaign,
        request=body,
        actor=user.username,
        now=clock.now(),
    )
    return booking_created(
        booking, link, base_url=settings.public_base_url, window_minutes=settings.owner_arrival_window_minutes
    )


@router.get(
    "/campaigns/{campaign_id}/bookings",
    response_model=list[BookingRead],
    summary="Bookings / 预约列表 (staff)",
    responses=TOTAL_COUNT_HEADER,
)
def list_bookings(
    campaign: CurrentCampaign,
    _user: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    service_date: date | None = None,
) -> list[BookingRead]:
    rows = booking_service.list_bookings(session=session, campaign=campaign, service_date=service_date)
    set_total_count(response, len(rows))
    return [booking_read(b, settings.owner_arrival_window_minutes) for b in rows]


@router.get("/bookings/{booking_id}", response_model=BookingRead, summary="One booking / 预约详情 (staff)")
def get_booking(booking: CurrentBooking, _user: StaffDep, settings: SettingsDep) -> BookingRead:
    return booking_read(booking, settings.owner_arrival_window_minutes)


@router.post(
    "/bookings/{booking_id}/reschedule", response_model=BookingRead, summary="Reschedule / 改约 (staff)"
)
def reschedule_booking(
    booking: CurrentBooking,
    body: BookingReschedule,
    user: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> BookingRead:
    booking = booking_service.reschedule_booking(
        session=session,
        settings=settings,
        booking=booking,
        request=body,
        actor=user.username,
        now=clock.now(),
    )
    return booking_read(booking, settings.owner_arrival_window_minutes)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingRead, summary="Cancel / 取消预约 (staff)")
def cancel_booking(
    booking: CurrentBooking, user: StaffDep, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> BookingRead:
    booking = booking_service.cancel_booking(
        session=session, settings=settings, booking=booking, actor=user.username, now=clock.now()
    )
    return booking_read(booking, settings.owner_arrival_window_minutes)


# -- day plans --------------------------------------------------------------------------------------
@router.post(
    "/campaigns/{campaign_id}/days/{service_date}/plans",
    response_model=PlanRead,
    status_code=status.HTTP_201_CREATED,
    summary="Plan (or re-plan) a service day / 生成当日路线 (planner)",
)
def build_plan(
    campaign: PlannerCampaign,
    service_date: date,
    user: PlannerDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    body: PlanRequest | None = None,
) -> PlanRead:
    plan = plan_service.build_day_plan(
        session=session,
        settings=settings,
        campaign=campaign,
        service_date=service_date,
        actor=user.username,
        now=clock.now(),
        time_limit_s=body.time_limit_s if body else None,
        objective=plan_service.planner_objective(
            max_vans=body.max_vans, max_overtime_minutes=body.max_overtime_minutes
        )
        if body
        else None,
    )
    return plan_read(session, plan)


@router.get(
    "/campaigns/{campaign_id}/days/{service_date}/plans",
    response_model=list[PlanRead],
    summary="Plan versions of a day / 当日路线版本 (planner)",
    responses=TOTAL_COUNT_HEADER,
)
def list_plans(
    campaign: PlannerCampaign, service_date: date, _user: PlannerDep, session: SessionDep, response: Response
) -> list[PlanRead]:
    plans = plan_service.list_plans(session=session, campaign_id=campaign.id, service_date=service_date)
    set_total_count(response, len(plans))
    return [plan_read(session, p) for p in plans]


@router.get("/plans/{plan_id}", response_model=PlanRead, summary="One plan / 路线详情 (planner)")
def get_plan(plan: CurrentPlan, _user: PlannerDep, session: SessionDep) -> PlanRead:
    return plan_read(session, plan)


@router.post(
    "/plans/{plan_id}/publish", response_model=PlanRead, summary="Publish a day plan / 发布路线 (planner)"
)
def publish_plan(plan: CurrentPlan, user: PlannerDep, session: SessionDep, clock: ClockDep) -> PlanRead:
    campaign = campaign_service.get_campaign(session=session, campaign_id=plan.campaign_id)
    plan = plan_service.publish_plan(
        session=session, campaign=campaign, plan=plan, actor=user.username, now=clock.now()
    )
    return plan_read(session, plan)
