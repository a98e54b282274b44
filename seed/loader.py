"""Write a generated `World` into the database in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from dispatch.auth.models import Role, User
from dispatch.auth.security import hash_password
from dispatch.fleet.models import ServiceStation, Technician, Van, VanKind
from dispatch.owners.models import Owner, Vehicle
from seed.world import World

DEMO_STAFF = (
    ("agent", "呼叫中心坐席 张敏", Role.AGENT),
    ("agent2", "呼叫中心坐席 李静", Role.AGENT),
    ("planner", "服务规划员 王磊", Role.PLANNER),
    ("admin", "系统管理员 陈刚", Role.ADMIN),
)


@dataclass(frozen=True)
class SeedSummary:
    scale: str
    stations: int
    vans: int
    technicians: int
    owners: int
    vehicles: int
    users: int
    counties_without_station: int


def database_is_empty(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(ServiceStation)).one() == 0


def seed_demo_world(session: Session, scale: str, demo_password: str) -> str:
    """The `dispatch.demo_world` entry point: load the demo world of `scale`; returns a one-line summary.

    `dispatch` finds this through the entry point, never by importing `seed`, so the service runs (and
    production installs) without the demo world.
    """
    from seed.world import build_world

    summary = load_world(session, build_world(scale), demo_password=demo_password)
    return (
        f"{summary.stations} 服务站 stations, {summary.vans} 车辆 vans, {summary.technicians} 技术员 "
        f"technicians, {summary.owners} 车主 owners, {summary.vehicles} 车辆档案 vehicles, "
        f"{summary.counties_without_station} 无服务站县区 counties without a station"
    )


def load_world(session: Session, world: World, *, demo_password: str) -> SeedSummary:
    """Insert `world`; the caller commits. Demo users share one password hash (hashing is slow by design)."""
    password_hash = hash_password(demo_password)
    stations = {s.code: ServiceStation(**vars(s)) for s in world.stations}
    session.add_all(stations.values())
    session.flush()

    vans = {}
    for spec in world.vans:
        station_id = stations[spec.station_code].id
        assert station_id is not None
        van = Van(
            plate=spec.plate,
            name=spec.name,
            kind=VanKind(spec.kind),
            station_id=station_id,
            capabilities=spec.capabilities,
            shift_start=spec.shift_start,
            shift_end=spec.shift_end,
        )
        vans[spec.plate] = van
    session.add_all(vans.values())
    session.flush()

    technicians = []
    for crew in world.technicians:
        tech = Technician(
            name=crew.name, phone=crew.phone, van_id=vans[crew.van_plate].id, skills=crew.skills
        )
        technicians.append((crew, tech))
    session.add_all(t for _, t in technicians)
    session.flush()

    users = [User(username=u, display_name=n, role=r, password_hash=password_hash) for u, n, r in DEMO_STAFF]
    users += [
        User(
            username=crew.username,
            display_name=f"技术员 {tech.name}",
            role=Role.TECHNICIAN,
            password_hash=password_hash,
            technician_id=tech.id,
        )
        for crew, tech in technicians
    ]
    session.add_all(users)

    owners = [
        Owner(
            name=o.name, phone=o.phone, county_adcode=o.county_adcode, address=o.address, lat=o.lat, lon=o.lon
        )
        for o in world.owners
    ]
    session.add_all(owners)
    session.flush()
    vehicles = [
        Vehicle(owner_id=owner.id or 0, **vars(v))
        for owner, owner_spec in zip(owners, world.owners, strict=True)
        for v in owner_spec.vehicles
    ]
    session.add_all(vehicles)
    session.flush()
    return SeedSummary(
        scale=world.scale.value,
        stations=len(stations),
        vans=len(vans),
        technicians=len(technicians),
        owners=len(owners),
        vehicles=len(vehicles),
        users=len(users),
        counties_without_station=len(world.counties_without_station),
    )
