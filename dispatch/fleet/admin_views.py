"""Admins build and maintain the network: stations, vans, crews and shifts; retire, never delete.

Thin routes over `dispatch.fleet.service`; the CSV import of a whole network is `POST /api/fleet/import`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, UploadFile
from pydantic import BaseModel
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from dispatch.api.deps import AdminDep, ClockDep, SessionDep, StaffDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import RowId
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.errors import InvalidInput
from dispatch.fleet import service
from dispatch.fleet.models import ServiceStation, Technician, Van
from dispatch.fleet.network_csv import FILES
from dispatch.fleet.network_import import KINDS, import_network, raise_if_failed
from dispatch.fleet.schemas import (
    ShiftUpdate,
    StationCreate,
    StationUpdate,
    TechnicianCreate,
    TechnicianRead,
    TechnicianUpdate,
    VanCreate,
    VanUpdate,
)
from dispatch.fleet.views import StationRead, VanRead
from routing.datums import to_wgs84

router = APIRouter(prefix="/api/fleet", tags=["fleet admin / 车队管理"], responses=ERROR_RESPONSES)

StationId = RowId
VanId = RowId
TechnicianId = RowId
MAX_IMPORT_FILE_BYTES = 5 * 1024 * 1024


def _set_fields(body: BaseModel, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the client sent; null only where null means something (a crew released from its van)."""
    sent = body.model_dump(exclude_unset=True)
    return {name: value for name, value in sent.items() if value is not None or name in nullable}


@router.post(
    "/stations", response_model=StationRead, status_code=201, summary="New station / 新建服务站 (admin)"
)
def create_station(body: StationCreate, _admin: AdminDep, session: SessionDep) -> ServiceStation:
    values = body.model_dump(exclude={"datum"})
    values["lat"], values["lon"] = to_wgs84(body.lat, body.lon, body.datum)
    return service.create_station(session=session, values=values)


@router.patch(
    "/stations/{station_id}", response_model=StationRead, summary="Edit a station / 修改服务站 (admin)"
)
def update_station(
    station_id: StationId, body: StationUpdate, _admin: AdminDep, session: SessionDep
) -> ServiceStation:
    station = service.get_station(session, station_id)
    return service.update_station(session=session, station=station, changes=_set_fields(body))


@router.post(
    "/stations/{station_id}/retire",
    response_model=StationRead,
    summary="Retire a station / 停用服务站 (admin)",
)
def retire_station(
    station_id: StationId, _admin: AdminDep, session: SessionDep, clock: ClockDep
) -> ServiceStation:
    station = service.get_station(session, station_id)
    return service.retire_station(session=session, station=station, now=clock.now())


@router.post("/vans", response_model=VanRead, status_code=201, summary="New van / 新建车辆 (admin)")
def create_van(body: VanCreate, _admin: AdminDep, session: SessionDep) -> Van:
    return service.create_van(session=session, values=body.model_dump())


@router.patch("/vans/{van_id}", response_model=VanRead, summary="Edit a van / 修改车辆 (admin)")
def update_van(van_id: VanId, body: VanUpdate, _admin: AdminDep, session: SessionDep) -> Van:
    van = service.get_van(session, van_id)
    return service.update_van(session=session, van=van, changes=_set_fields(body))


@router.put("/vans/{van_id}/shift", response_model=VanRead, summary="Set a van's shift / 设置班次 (admin)")
def set_shift(van_id: VanId, body: ShiftUpdate, _admin: AdminDep, session: SessionDep) -> Van:
    van = service.get_van(session, van_id)
    return service.set_shift(session=session, van=van, shift_start=body.shift_start, shift_end=body.shift_end)


@router.post("/vans/{van_id}/retire", response_model=VanRead, summary="Retire a van / 停用车辆 (admin)")
def retire_van(van_id: VanId, _admin: AdminDep, session: SessionDep, clock: ClockDep) -> Van:
    van = service.get_van(session, van_id)
    return service.retire_van(session=session, van=van, now=clock.now())


@router.get(
    "/technicians",
    response_model=list[TechnicianRead],
    summary="Technicians / 技术员 (staff)",
    responses=TOTAL_COUNT_HEADER,
)
def list_technicians(
    _user: StaffDep,
    session: SessionDep,
    response: Response,
    van_id: RowId | None = None,
    include_retired: bool = False,
) -> list[Technician]:
    query = select(Technician).order_by(col(Technician.id))
    if van_id is not None:
        query = query.where(Technician.van_id == van_id)
    if not include_retired:
        query = query.where(col(Technician.retired_at).is_(None))
    technicians = list(session.exec(query))
    set_total_count(response, len(technicians))
    return technicians


@router.post(
    "/technicians",
    response_model=TechnicianRead,
    status_code=201,
    summary="New technician / 新建技术员 (admin)",
)
def create_technician(body: TechnicianCreate, _admin: AdminDep, session: SessionDep) -> Technician:
    return service.create_technician(session=session, values=body.model_dump())


@router.patch(
    "/technicians/{technician_id}",
    response_model=TechnicianRead,
    summary="Edit a technician or move them to another crew / 修改技术员或调整班组 (admin)",
)
def update_technician(
    technician_id: TechnicianId, body: TechnicianUpdate, _admin: AdminDep, session: SessionDep
) -> Technician:
    technician = service.get_technician(session, technician_id)
    changes = _set_fields(body, nullable=frozenset({"van_id"}))
    return service.update_technician(session=session, technician=technician, changes=changes)


@router.post(
    "/technicians/{technician_id}/retire",
    response_model=TechnicianRead,
    summary="Retire a technician / 停用技术员 (admin)",
)
def retire_technician(
    technician_id: TechnicianId, _admin: AdminDep, session: SessionDep, clock: ClockDep
) -> Technician:
    technician = service.get_technician(session, technician_id)
    return service.retire_technician(session=session, technician=technician, now=clock.now())


class ImportProblem(BaseModel):
    file: str
    line: int
    column: str | None
    message: str


class ImportResult(BaseModel):
    dry_run: bool
    ok: bool
    errors: list[ImportProblem]
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]


@router.post(
    "/import",
    response_model=ImportResult,
    summary="Import a network from CSV / 从 CSV 导入服务网络 (admin)",
    description=(
        "Multipart files named `stations`, `vans`, `crews`, `shifts` (any subset; format in the README). "
        "Every bad row is reported by file, line and column; nothing is written unless all rows are good. "
        "`dry_run=true` checks and counts without writing (200 with the problems listed); a real import "
        "with problems is a 422 listing them under `details.errors`."
    ),
)
async def import_csv(
    _admin: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    dry_run: bool = False,
    stations: UploadFile | None = None,
    vans: UploadFile | None = None,
    crews: UploadFile | None = None,
    shifts: UploadFile | None = None,
) -> ImportResult:
    uploads = {"stations": stations, "vans": vans, "crews": crews, "shifts": shifts}
    files: dict[str, bytes] = {}
    for kind, upload in uploads.items():
        if upload is not None:
            content = await upload.read(MAX_IMPORT_FILE_BYTES + 1)
            if len(content) > MAX_IMPORT_FILE_BYTES:
                raise InvalidInput("文件过大（最大 5 MB）/ File larger than 5 MB", field=kind)
            files[f"{kind}.csv"] = content
    if not files:
        raise InvalidInput("请上传至少一个文件 / Upload at least one file", field="files")
    report = await run_in_threadpool(
        lambda: import_network(session=session, files=files, now=clock.now(), dry_run=dry_run)
    )
    raise_if_failed(report)
    return ImportResult(
        dry_run=report.dry_run,
        ok=report.ok,
        errors=[ImportProblem(**vars(e)) for e in report.errors],
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )


assert set(KINDS) == {name.removesuffix(".csv") for name in FILES}
