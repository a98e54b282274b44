"""Checks on what a caller asks to book: which service, which day and window, and where.

Each failure is a 422 that names the offending field, in Chinese first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from dispatch.campaigns.area import in_area
from dispatch.campaigns.dayproblem import SERVICE_TZ, ServiceDay, local_today
from dispatch.campaigns.models import Campaign, CampaignMode
from dispatch.campaigns.schemas import BookingPlace
from dispatch.errors import InvalidInput
from dispatch.owners.models import Owner, Vehicle
from routing.datums import to_wgs84


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    address: str
    gathering_point: str | None
    owner: Owner | None
    vehicle: Vehicle | None


def service_offer(campaign: Campaign, service_code: str) -> dict[str, Any]:
    offer = next((s for s in campaign.services if s["code"] == service_code), None)
    if offer is None:
        offered = ", ".join(s["code"] for s in campaign.services)
        raise InvalidInput(
            f"本活动不提供服务 {service_code}（可选：{offered}）/ The campaign does not offer {service_code}",
            field="service_code",
            details={"offered": [s["code"] for s in campaign.services]},
        )
    return offer


def check_bookable_date(campaign: Campaign, service_date: date, now: datetime) -> None:
    if not campaign.start_date <= service_date <= campaign.end_date:
        raise InvalidInput(
            f"{service_date} 不在活动日期 {campaign.start_date} 至 {campaign.end_date} 内"
            f" / {service_date} is outside the campaign dates",
            field="service_date",
        )
    if service_date < local_today(now):
        raise InvalidInput(f"{service_date} 已过去 / {service_date} is in the past", field="service_date")


def choose_window(
    service_day: ServiceDay, window_start: datetime, window_minutes: int, now: datetime
) -> tuple[datetime, datetime]:
    """The offered window that starts at ``window_start`` (and has not ended yet)."""
    for start, end in service_day.offered_windows(window_minutes):
        if start == window_start:
            if end <= now:
                raise InvalidInput("该时段已过去 / That arrival window is over", field="window_start")
            return start, end
    offered = [window_label(s, e) for s, e in service_day.offered_windows(window_minutes)]
    raise InvalidInput(
        f"不是可选的到达时段 / Not an offered arrival window (offered: {', '.join(offered)})",
        field="window_start",
    )


def window_label(start: datetime, end: datetime) -> str:
    s, e = start.astimezone(SERVICE_TZ), end.astimezone(SERVICE_TZ)
    return f"{s.month}月{s.day}日 {s:%H:%M}–{e:%H:%M}"


def resolve_place(session: Session, campaign: Campaign, place: BookingPlace) -> Place:
    """Where the van will go, checked against the campaign's mode and area."""
    owner, vehicle = _owner_and_vehicle(session, place)
    if campaign.mode == CampaignMode.GATHERING_POINTS:
        return _gathering_place(campaign, place, owner, vehicle)
    if place.lat is not None and place.lon is not None:
        lat, lon = to_wgs84(place.lat, place.lon, place.datum)
        address, field = place.address, "lat"
    elif owner is not None:
        lat, lon, address, field = owner.lat, owner.lon, place.address or owner.address, "owner_id"
    else:
        raise InvalidInput("上门服务需要地址坐标或车主 / Give lat and lon, or an owner_id", field="lat")
    owner_county = owner.county_adcode if owner is not None and field == "owner_id" else None
    if not in_area(
        lat,
        lon,
        county_adcodes=campaign.county_adcodes,
        area=campaign.area_geojson,
        owner_county=owner_county,
    ):
        raise InvalidInput(
            "地点不在本活动服务区域内 / The location is outside the campaign area",
            field=field,
            details={"lat": lat, "lon": lon, "county_adcodes": campaign.county_adcodes},
        )
    return Place(lat, lon, address, None, owner, vehicle)


def _gathering_place(
    campaign: Campaign, place: BookingPlace, owner: Owner | None, vehicle: Vehicle | None
) -> Place:
    names = [p["name"] for p in campaign.gathering_points]
    point = next((p for p in campaign.gathering_points if p["name"] == place.gathering_point), None)
    if point is None:
        raise InvalidInput(
            f"请选择集合点：{'、'.join(names)} / Choose one of the campaign's gathering points",
            field="gathering_point",
            details={"gathering_points": names},
        )
    return Place(float(point["lat"]), float(point["lon"]), point["name"], point["name"], owner, vehicle)


def _owner_and_vehicle(session: Session, place: BookingPlace) -> tuple[Owner | None, Vehicle | None]:
    owner = None
    if place.owner_id is not None:
        owner = session.get(Owner, place.owner_id)
        if owner is None:
            raise InvalidInput(f"未找到车主 {place.owner_id} / Unknown owner", field="owner_id")
    vehicle = None
    if place.vehicle_id is not None:
        vehicle = session.get(Vehicle, place.vehicle_id)
        if vehicle is None or (owner is not None and vehicle.owner_id != owner.id):
            raise InvalidInput("车辆与车主不符 / Vehicle unknown or not this owner's", field="vehicle_id")
        if owner is None:
            owner = session.get(Owner, vehicle.owner_id)
    return owner, vehicle
