"""Where the service network reaches, and the county-level gaps where a countryside campaign is needed.

Two layers: *service* coverage (each fixed station's everyday reach, ``station_service_radius_km``) and
*rescue* coverage (each rescue van's reach from its home station, ``rescue_radius_km``). The world's extent is
every prefecture-level city that has a station or an owner; its county-level divisions are judged by their
seat (WGS-84, from dispatch.geo.divisions) and by where their owners live.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func
from sqlmodel import Session, col, select

from dispatch.campaigns.geometry import contains_points, coverage_area
from dispatch.fleet.models import ServiceStation, Van, VanKind
from dispatch.geo.divisions import Division, by_adcode, prefecture_cities
from dispatch.owners.models import Owner, Vehicle
from dispatch.settings import Settings
from routing.geodesy import geodesic_km, haversine_matrix_km


@dataclass(frozen=True)
class CountyGap:
    """A county-level division whose seat, or some of whose owners, lie outside a layer's coverage."""

    adcode: str
    name: str
    city_adcode: str
    city_name: str
    seat_lat: float
    seat_lon: float
    seat_covered: bool
    nearest_station_id: int
    nearest_station_name: str
    nearest_station_km: float
    owners: int
    owners_uncovered: int
    vehicles: int
    vehicles_uncovered: int


@dataclass(frozen=True)
class CoverageLayer:
    name: str
    radius_km: float
    centres: int
    counties_total: int
    counties_covered: int
    cities_total: int
    cities_covered: int
    owners_total: int
    owners_covered: int
    vehicles_total: int
    vehicles_covered: int
    gaps: tuple[CountyGap, ...]
    area: BaseGeometry = field(repr=False, compare=False)

    @property
    def counties_covered_pct(self) -> float:
        return _pct(self.counties_covered, self.counties_total)

    @property
    def cities_covered_pct(self) -> float:
        return _pct(self.cities_covered, self.cities_total)

    @property
    def owners_covered_pct(self) -> float:
        return _pct(self.owners_covered, self.owners_total)

    @property
    def vehicles_covered_pct(self) -> float:
        return _pct(self.vehicles_covered, self.vehicles_total)


@dataclass(frozen=True)
class CoverageReport:
    service: CoverageLayer
    rescue: CoverageLayer
    stations: int
    cities_with_station: int
    cities_total: int

    @property
    def layers(self) -> tuple[CoverageLayer, CoverageLayer]:
        return (self.service, self.rescue)

    @property
    def cities_with_station_pct(self) -> float:
        return _pct(self.cities_with_station, self.cities_total)


@dataclass(frozen=True)
class _World:
    stations: list[ServiceStation]
    rescue_home_ids: set[int]
    owners: list[tuple[int, str, float, float]]  # id, county adcode, lat, lon
    vehicles_per_owner: dict[int, int]
    counties: list[Division]
    cities: list[Division]


def coverage_report(*, session: Session, settings: Settings) -> CoverageReport:
    """Both coverage layers for the world in the database."""
    world = _load_world(session)
    service_centres = world.stations
    rescue_centres = [s for s in world.stations if s.id in world.rescue_home_ids]
    with_station = {s.city_adcode for s in world.stations}
    return CoverageReport(
        service=_layer("service", settings.station_service_radius_km, service_centres, world),
        rescue=_layer("rescue", settings.rescue_radius_km, rescue_centres, world),
        stations=len(world.stations),
        cities_with_station=sum(1 for c in world.cities if c.adcode in with_station),
        cities_total=len(world.cities),
    )


def _load_world(session: Session) -> _World:
    stations = list(
        session.exec(
            select(ServiceStation)
            .where(col(ServiceStation.retired_at).is_(None))
            .order_by(col(ServiceStation.id))
        )
    )
    rescue_home_ids = set(
        session.exec(select(Van.station_id).where(Van.kind == VanKind.RESCUE, col(Van.retired_at).is_(None)))
    )
    owners = [
        (int(o_id or 0), county, float(lat), float(lon))
        for o_id, county, lat, lon in session.exec(
            select(Owner.id, Owner.county_adcode, Owner.lat, Owner.lon).order_by(col(Owner.id))
        )
    ]
    counts = session.exec(select(Vehicle.owner_id, func.count()).group_by(col(Vehicle.owner_id)))
    vehicles_per_owner = {int(owner_id): int(n) for owner_id, n in counts}
    divisions = by_adcode()
    city_codes = {s.city_adcode for s in stations}
    city_codes |= {divisions[c].city_adcode for _, c, _, _ in owners if c in divisions}
    cities = [c for c in prefecture_cities() if c.adcode in city_codes]
    counties = [
        d
        for d in divisions.values()
        if d.level.value == "county" and d.city_adcode in city_codes and not d.name.endswith("市辖区")
    ]
    return _World(stations, rescue_home_ids, owners, vehicles_per_owner, counties, cities)


def _layer(name: str, radius_km: float, centres: list[ServiceStation], world: _World) -> CoverageLayer:
    area = coverage_area([(s.lat, s.lon) for s in centres], radius_km)
    seats_in = contains_points(area, [c.lat for c in world.counties], [c.lon for c in world.counties])
    cities_in = contains_points(area, [c.lat for c in world.cities], [c.lon for c in world.cities])
    owners_in = contains_points(area, [o[2] for o in world.owners], [o[3] for o in world.owners])
    vehicles = np.array([world.vehicles_per_owner.get(o[0], 0) for o in world.owners], dtype=int)
    gaps = _gaps(world, centres, seats_in, owners_in, vehicles)
    return CoverageLayer(
        name=name,
        radius_km=radius_km,
        centres=len({(s.lat, s.lon) for s in centres}),
        counties_total=len(world.counties),
        counties_covered=int(seats_in.sum()),
        cities_total=len(world.cities),
        cities_covered=int(cities_in.sum()),
        owners_total=len(world.owners),
        owners_covered=int(owners_in.sum()),
        vehicles_total=int(vehicles.sum()),
        vehicles_covered=int(vehicles[owners_in].sum()),
        gaps=tuple(gaps),
        area=area,
    )


def _gaps(
    world: _World,
    centres: list[ServiceStation],
    seats_in: np.ndarray[Any, Any],
    owners_in: np.ndarray[Any, Any],
    vehicles: np.ndarray[Any, Any],
) -> list[CountyGap]:
    owners = Counter(o[1] for o in world.owners)
    owners_out: Counter[str] = Counter()
    vehicles_all: Counter[str] = Counter()
    vehicles_out: Counter[str] = Counter()
    for (_, home, _, _), inside, n in zip(world.owners, owners_in, vehicles, strict=True):
        vehicles_all[home] += int(n)
        if not inside:
            owners_out[home] += 1
            vehicles_out[home] += int(n)
    city_names = {c.adcode: c.name for c in world.cities}
    gaps = []
    for county, seat_covered in zip(world.counties, seats_in, strict=True):
        if seat_covered and not owners_out[county.adcode]:
            continue
        station, distance_km = nearest_station(county.lat, county.lon, centres or world.stations)
        gaps.append(
            CountyGap(
                adcode=county.adcode,
                name=county.name,
                city_adcode=county.city_adcode,
                city_name=city_names.get(county.city_adcode, ""),
                seat_lat=county.lat,
                seat_lon=county.lon,
                seat_covered=bool(seat_covered),
                nearest_station_id=station.id or 0,
                nearest_station_name=station.name,
                nearest_station_km=round(distance_km, 1),
                owners=owners[county.adcode],
                owners_uncovered=owners_out[county.adcode],
                vehicles=vehicles_all[county.adcode],
                vehicles_uncovered=vehicles_out[county.adcode],
            )
        )
    gaps.sort(key=lambda g: (g.seat_covered, -g.owners_uncovered, -g.nearest_station_km, g.adcode))
    return gaps


def nearest_station(lat: float, lon: float, stations: list[ServiceStation]) -> tuple[ServiceStation, float]:
    """The station nearest to (lat, lon) by exact geodesic; haversine shortlists the candidates."""
    approx_km = haversine_matrix_km([lat], [lon], [s.lat for s in stations], [s.lon for s in stations])[0]
    shortlist = np.flatnonzero(approx_km <= approx_km.min() * 1.01 + 0.01)
    exact = [(geodesic_km(lat, lon, stations[i].lat, stations[i].lon), int(i)) for i in shortlist]
    distance_km, best = min(exact)
    return stations[best], distance_km


def coverage_geojson(report: CoverageReport) -> dict[str, Any]:
    """A FeatureCollection for a map: each layer's covered area, then each gap county's seat."""
    features: list[dict[str, Any]] = []
    for layer in report.layers:
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(layer.area),
                "properties": {"kind": "coverage", "layer": layer.name, "radius_km": layer.radius_km},
            }
        )
    for layer in report.layers:
        for gap in layer.gaps:
            properties = {"kind": "gap", "layer": layer.name}
            properties |= {k: v for k, v in vars(gap).items() if k not in ("seat_lat", "seat_lon")}
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [gap.seat_lon, gap.seat_lat]},
                    "properties": properties,
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0
