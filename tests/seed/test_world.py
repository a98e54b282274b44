"""The demo world is deterministic, realistic where it claims to be, and loads completely."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from dispatch.auth.models import Role, User
from dispatch.fleet.models import ServiceStation, Technician, Van
from dispatch.geo.divisions import by_adcode, counties_of, prefecture_cities
from seed.world import NINGHAI, build_world


def test_same_seed_same_world() -> None:
    assert build_world("province") == build_world("province")


def test_divisions_are_converted_to_wgs84() -> None:
    # cpca's table says 宁海县 is at (29.287939, 121.429477) in GCJ-02; WGS-84 lies a few hundred metres off.
    ninghai = by_adcode()[NINGHAI]
    assert ninghai.name == "宁海县"
    assert 0.001 < abs(ninghai.lat - 29.287939) + abs(ninghai.lon - 121.429477) < 0.01
    assert len(prefecture_cities("33")) == 11
    assert len(counties_of("33")) == 89


def test_province_world_has_counties_without_a_station() -> None:
    world = build_world("province")
    assert NINGHAI in world.counties_without_station
    assert 10 < len(world.counties_without_station) < 80
    assert {s.city_adcode for s in world.stations} == {c.adcode for c in prefecture_cities("33")}
    assert any(v.kind == "mobile_station" and v.name.startswith("宁海") for v in world.vans)
    assert 2000 <= len(world.owners) <= 5000


def test_national_world_has_the_published_fleet() -> None:
    world = build_world("national")
    rescue_vans = [v for v in world.vans if v.kind == "rescue"]
    assert len(rescue_vans) == 300
    assert {s.city_adcode for s in world.stations} == {c.adcode for c in prefecture_cities()}
    assert len({v.plate for v in world.vans}) == len(world.vans)


def test_small_world_is_loaded(db: Session) -> None:
    world = build_world("small")
    assert db.exec(select(func.count()).select_from(ServiceStation)).one() == len(world.stations)
    assert db.exec(select(func.count()).select_from(Van)).one() == len(world.vans)
    assert db.exec(select(func.count()).select_from(Technician)).one() == len(world.technicians)
    roles = dict(db.exec(select(User.role, func.count()).group_by(User.role)).all())
    assert roles[Role.TECHNICIAN] == len(world.technicians)
    assert roles[Role.AGENT] >= 1 and roles[Role.PLANNER] == 1 and roles[Role.ADMIN] == 1
