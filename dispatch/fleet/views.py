"""Read-only views of stations and vans for call-center agents, planners and admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import col, select

from dispatch.api.deps import SessionDep, StaffDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import Offset, RowId
from dispatch.api.local_time import LocalTime
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.errors import NotFound
from dispatch.fleet.models import ServiceStation, Van, VanKind, VanStatus

router = APIRouter(prefix="/api/fleet", tags=["fleet / 车队"], responses=ERROR_RESPONSES)


class StationRead(BaseModel):
    id: int
    code: str
    name: str
    star_rating: int
    lat: float
    lon: float
    address: str
    county_adcode: str
    city_adcode: str
    retired_at: datetime | None = None


class VanRead(BaseModel):
    id: int
    plate: str
    name: str
    kind: VanKind
    station_id: int
    capabilities: list[str]
    shift_start: LocalTime
    shift_end: LocalTime
    status: VanStatus
    last_lat: float | None
    last_lon: float | None
    last_position_at: datetime | None
    retired_at: datetime | None = None


@router.get(
    "/stations",
    response_model=list[StationRead],
    summary="Service stations / 服务站 (staff)",
    responses=TOTAL_COUNT_HEADER,
)
def list_stations(
    _user: StaffDep,
    session: SessionDep,
    response: Response,
    city_adcode: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> list[ServiceStation]:
    query = select(ServiceStation).order_by(col(ServiceStation.id))
    if city_adcode:
        query = query.where(ServiceStation.city_adcode == city_adcode)
    stations = list(session.exec(query))
    set_total_count(response, len(stations))
    return stations


@router.get(
    "/vans", response_model=list[VanRead], summary="Vans / 车辆 (staff)", responses=TOTAL_COUNT_HEADER
)
def list_vans(
    _user: StaffDep,
    session: SessionDep,
    response: Response,
    kind: VanKind | None = None,
    station_id: RowId | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> list[Van]:
    query = select(Van)
    if kind:
        query = query.where(Van.kind == kind)
    if station_id is not None:
        query = query.where(Van.station_id == station_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    set_total_count(response, int(total))
    return list(session.exec(query.order_by(col(Van.id)).offset(offset).limit(limit)))


@router.get("/vans/{van_id}", response_model=VanRead, summary="One van / 车辆详情 (staff)")
def get_van(van_id: RowId, _user: StaffDep, session: SessionDep) -> Van:
    van = session.get(Van, van_id)
    if van is None:
        raise NotFound(f"未找到车辆 {van_id} / Van {van_id} not found")
    return van
