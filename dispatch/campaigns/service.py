"""Creating campaigns and reading them back with their vans and service days."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.campaigns.area import county_divisions, in_area, polygon_of
from dispatch.campaigns.models import Campaign, CampaignDay, CampaignVan
from dispatch.campaigns.schemas import (
    CampaignCreate,
    CampaignDayRead,
    CampaignRead,
    CampaignVanIn,
    CampaignVanRead,
    GatheringPoint,
    ServiceOffer,
)
from dispatch.campaigns.van_days import take_van_days
from dispatch.errors import InvalidInput, NotFound
from dispatch.fleet.models import ServiceStation, Technician, Van, VanKind
from dispatch.references import insert_with_reference, public_reference
from routing.geodesy import haversine_km

SERVICE_TZ = ZoneInfo("Asia/Shanghai")
MAX_CAMPAIGN_DAYS = 92
FAR_FROM_HOST_KM = 150.0
"""A target county farther than this from the host station gets a warning (a day's drive out and back)."""


def create_campaign(*, session: Session, request: CampaignCreate, actor: str, now: datetime) -> Campaign:
    """Validate a planner's campaign and store it with its vans and one row per service day."""
    _check_area(request)
    days = _service_days(request)
    _check_not_past(days, now)
    if session.get(ServiceStation, request.host_station_id) is None:
        raise InvalidInput(
            f"服务站 {request.host_station_id} 不存在 / Unknown host station", field="host_station_id"
        )
    _check_vans(session, request.vans)
    _check_services(request.services)
    _check_gathering_points(request)
    campaign = Campaign(
        reference=public_reference("CP", now),
        name=request.name,
        mode=request.mode,
        county_adcodes=request.county_adcodes,
        area_geojson=request.area,
        start_date=request.start_date,
        end_date=request.end_date,
        host_station_id=request.host_station_id,
        services=[s.model_dump() for s in request.services],
        gathering_points=[p.model_dump() for p in request.gathering_points],
        daily_capacity=request.daily_capacity,
        created_by=actor,
        created_at=now,
    )
    insert_with_reference(session, campaign, lambda: public_reference("CP", now))
    for van in request.vans:
        session.add(CampaignVan(campaign_id=campaign.id, **van.model_dump()))
    for day in days:
        session.add(CampaignDay(campaign_id=campaign.id, service_date=day))
    session.flush()
    take_van_days(session=session, campaign=campaign, van_ids=[v.van_id for v in request.vans], days=days)
    return campaign


def _check_area(request: CampaignCreate) -> None:
    if not request.county_adcodes and request.area is None:
        raise InvalidInput("请指定目标县区或区域 / Give target counties or an area", field="county_adcodes")
    try:
        county_divisions(request.county_adcodes)
    except KeyError as exc:
        raise InvalidInput(
            f"未知县区代码 {exc.args[0]} / Unknown county adcode", field="county_adcodes"
        ) from exc
    if request.area is not None:
        try:
            polygon_of(request.area)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise InvalidInput(f"区域无效 / Invalid area: {exc}", field="area") from exc


def _service_days(request: CampaignCreate) -> list[date]:
    if request.end_date < request.start_date:
        raise InvalidInput("结束日期早于开始日期 / end_date is before start_date", field="end_date")
    span = (request.end_date - request.start_date).days + 1
    if span > MAX_CAMPAIGN_DAYS:
        raise InvalidInput(f"活动最长 {MAX_CAMPAIGN_DAYS} 天 / Campaign too long", field="end_date")
    if request.service_days is None:
        return [request.start_date + timedelta(days=i) for i in range(span)]
    outside = [d for d in request.service_days if not request.start_date <= d <= request.end_date]
    if outside:
        raise InvalidInput(
            f"服务日 {outside[0]} 不在活动日期内 / Service day outside the campaign dates",
            field="service_days",
        )
    if not request.service_days:
        raise InvalidInput("至少需要一个服务日 / At least one service day", field="service_days")
    return sorted(set(request.service_days))


def _check_not_past(days: list[date], now: datetime) -> None:
    today = now.astimezone(SERVICE_TZ).date()
    if days and days[0] < today:
        raise InvalidInput(
            f"服务日 {days[0]} 已过去 / Service day {days[0]} is in the past",
            field="service_days",
            details={"today": today.isoformat()},
        )


def far_counties(campaign: Campaign, host: ServiceStation | None) -> list[str]:
    """Warnings for target counties whose seat lies beyond a day's drive out and back from the host."""
    if host is None:
        return []
    warnings = []
    for county in county_divisions(campaign.county_adcodes):
        distance_km = float(haversine_km(host.lat, host.lon, county.lat, county.lon))
        if distance_km > FAR_FROM_HOST_KM:
            warnings.append(
                f"{county.name}距主办服务站 {distance_km:.0f} 公里（超过 {FAR_FROM_HOST_KM:.0f} 公里）/ "
                f"{county.name} is {distance_km:.0f} km from the host station "
                f"(over {FAR_FROM_HOST_KM:.0f} km)"
            )
    return warnings


def _check_vans(session: Session, vans: list[CampaignVanIn]) -> None:
    if len({v.van_id for v in vans}) != len(vans):
        raise InvalidInput("流动服务车重复 / A van is listed twice", field="vans")
    for i, spec in enumerate(vans):
        van = session.get(Van, spec.van_id)
        if (
            van is None
            or van.kind not in (VanKind.MOBILE_STATION, VanKind.RESCUE)
            or van.retired_at is not None
        ):
            raise InvalidInput(
                f"车辆 {spec.van_id} 不是流动服务站或救援车 / Van is not a mobile station or rescue van",
                field=f"vans.{i}.van_id",
            )
        if spec.shift_end <= spec.shift_start:
            raise InvalidInput("班次结束早于开始 / Shift ends before it starts", field=f"vans.{i}.shift_end")
        lunch_start, lunch_end = lunch_bounds(spec.lunch_start, spec.lunch_end)
        if spec.lunch_minutes and _minutes(lunch_end) - _minutes(lunch_start) < spec.lunch_minutes:
            raise InvalidInput(
                "午休窗口太短 / Lunch window shorter than the break", field=f"vans.{i}.lunch_end"
            )


def lunch_bounds(lunch_start: time | None, lunch_end: time | None) -> tuple[time, time]:
    """The window a crew's lunch break must fall in; 11:30-13:30 unless the planner said otherwise."""
    return lunch_start or time(11, 30), lunch_end or time(13, 30)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _check_services(services: list[ServiceOffer]) -> None:
    codes = [s.code for s in services]
    if len(set(codes)) != len(codes):
        raise InvalidInput("服务项目代码重复 / Duplicate service code", field="services")


def _check_gathering_points(request: CampaignCreate) -> None:
    if request.mode == "gathering_points" and not request.gathering_points:
        raise InvalidInput("集中服务模式需要集合点 / Gathering points needed", field="gathering_points")
    names = [p.name for p in request.gathering_points]
    if len(set(names)) != len(names):
        raise InvalidInput("集合点名称重复 / Duplicate gathering point name", field="gathering_points")
    for i, point in enumerate(request.gathering_points):
        if not in_area(point.lat, point.lon, county_adcodes=request.county_adcodes, area=request.area):
            raise InvalidInput(
                f"集合点 {point.name} 不在活动区域内 / Gathering point outside the campaign area",
                field=f"gathering_points.{i}",
            )


def get_campaign(*, session: Session, campaign_id: uuid.UUID) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"未找到服务活动 {campaign_id} / Campaign not found")
    return campaign


def list_campaigns(*, session: Session) -> list[Campaign]:
    return list(session.exec(select(Campaign).order_by(col(Campaign.start_date).desc(), col(Campaign.id))))


def campaign_vans(
    session: Session, campaign_id: uuid.UUID
) -> list[tuple[CampaignVan, Van, list[Technician]]]:
    """The campaign's vans, in van id order, with their crews."""
    rows = session.exec(
        select(CampaignVan, Van)
        .join(Van, col(Van.id) == col(CampaignVan.van_id))
        .where(CampaignVan.campaign_id == campaign_id)
        .order_by(col(CampaignVan.van_id))
    ).all()
    out = []
    for assignment, van in rows:
        crew = session.exec(
            select(Technician)
            .where(Technician.van_id == van.id, col(Technician.is_active))
            .order_by(col(Technician.id))
        ).all()
        out.append((assignment, van, list(crew)))
    return out


def crew_skills(van: Van, crew: list[Technician]) -> frozenset[str]:
    """What a van can do: its equipment plus its technicians' skills."""
    return frozenset(van.capabilities) | frozenset(skill for tech in crew for skill in tech.skills)


def campaign_days(session: Session, campaign_id: uuid.UUID) -> list[CampaignDay]:
    query = (
        select(CampaignDay)
        .where(CampaignDay.campaign_id == campaign_id)
        .order_by(col(CampaignDay.service_date))
    )
    return list(session.exec(query))


def campaign_read(*, session: Session, campaign: Campaign) -> CampaignRead:
    vans = [
        CampaignVanRead(
            van_id=van.id or 0,
            plate=van.plate,
            name=van.name,
            shift_start=assignment.shift_start,
            shift_end=assignment.shift_end,
            lunch_start=assignment.lunch_start,
            lunch_end=assignment.lunch_end,
            lunch_minutes=assignment.lunch_minutes,
            technicians=[t.name for t in crew],
            skills=sorted(crew_skills(van, crew)),
        )
        for assignment, van, crew in campaign_vans(session, campaign.id)
    ]
    days = [
        CampaignDayRead(service_date=d.service_date, booked_count=d.booked_count, version=d.version)
        for d in campaign_days(session, campaign.id)
    ]
    return CampaignRead(
        id=campaign.id,
        reference=campaign.reference,
        name=campaign.name,
        status=campaign.status,
        mode=campaign.mode,
        county_adcodes=campaign.county_adcodes,
        area=campaign.area_geojson,
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        host_station_id=campaign.host_station_id,
        services=[ServiceOffer(**s) for s in campaign.services],
        gathering_points=[GatheringPoint(**p) for p in campaign.gathering_points],
        daily_capacity=campaign.daily_capacity,
        vans=vans,
        days=days,
        warnings=far_counties(campaign, session.get(ServiceStation, campaign.host_station_id)),
        created_by=campaign.created_by,
        created_at=campaign.created_at,
    )
