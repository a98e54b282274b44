"""Who is on a van: its plate, home station and active crew, read in bulk for lists of jobs and offers."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel
from sqlmodel import Session, col, select

from dispatch.fleet.models import ServiceStation, Technician, Van


class CrewMember(BaseModel):
    name: str
    phone: str


class VanSummary(BaseModel):
    """A van as an agent needs it on a job: plate, home station, and whom to call."""

    id: int
    plate: str
    station_id: int
    station_name: str
    crew: list[CrewMember]


def van_summaries(session: Session, van_ids: Iterable[int | None]) -> dict[int, VanSummary]:
    """`VanSummary` per van id, in three queries whatever the number of vans."""
    ids = sorted({v for v in van_ids if v is not None})
    if not ids:
        return {}
    vans = session.exec(select(Van).where(col(Van.id).in_(ids))).all()
    station_ids = sorted({v.station_id for v in vans})
    stations = {
        s.id: s.name
        for s in session.exec(select(ServiceStation).where(col(ServiceStation.id).in_(station_ids)))
    }
    crews: dict[int, list[CrewMember]] = {}
    technicians = session.exec(
        select(Technician)
        .where(col(Technician.van_id).in_(ids), col(Technician.is_active).is_(True))
        .order_by(col(Technician.id))
    )
    for technician in technicians:
        assert technician.van_id is not None
        crews.setdefault(technician.van_id, []).append(
            CrewMember(name=technician.name, phone=technician.phone)
        )
    return {
        van.id: VanSummary(
            id=van.id,
            plate=van.plate,
            station_id=van.station_id,
            station_name=stations.get(van.station_id, ""),
            crew=crews.get(van.id, []),
        )
        for van in vans
        if van.id is not None
    }
