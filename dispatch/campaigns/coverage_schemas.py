"""API shape of the coverage report."""

from __future__ import annotations

from pydantic import BaseModel

from dispatch.campaigns.coverage import CoverageLayer, CoverageReport


class CountyGapRead(BaseModel):
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


class CoverageLayerRead(BaseModel):
    name: str
    radius_km: float
    stations: int
    counties_total: int
    counties_covered: int
    counties_covered_pct: float
    cities_total: int
    cities_covered: int
    cities_covered_pct: float
    owners_total: int
    owners_covered: int
    owners_covered_pct: float
    vehicles_total: int
    vehicles_covered: int
    vehicles_covered_pct: float
    gaps: list[CountyGapRead]


class CoverageRead(BaseModel):
    stations: int
    cities_total: int
    cities_with_station: int
    cities_with_station_pct: float
    service: CoverageLayerRead
    rescue: CoverageLayerRead


def _layer(layer: CoverageLayer) -> CoverageLayerRead:
    return CoverageLayerRead(
        name=layer.name,
        radius_km=layer.radius_km,
        stations=layer.centres,
        counties_total=layer.counties_total,
        counties_covered=layer.counties_covered,
        counties_covered_pct=layer.counties_covered_pct,
        cities_total=layer.cities_total,
        cities_covered=layer.cities_covered,
        cities_covered_pct=layer.cities_covered_pct,
        owners_total=layer.owners_total,
        owners_covered=layer.owners_covered,
        owners_covered_pct=layer.owners_covered_pct,
        vehicles_total=layer.vehicles_total,
        vehicles_covered=layer.vehicles_covered,
        vehicles_covered_pct=layer.vehicles_covered_pct,
        gaps=[CountyGapRead(**vars(gap)) for gap in layer.gaps],
    )


def coverage_read(report: CoverageReport) -> CoverageRead:
    return CoverageRead(
        stations=report.stations,
        cities_total=report.cities_total,
        cities_with_station=report.cities_with_station,
        cities_with_station_pct=report.cities_with_station_pct,
        service=_layer(report.service),
        rescue=_layer(report.rescue),
    )
