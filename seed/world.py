"""A deterministic generator of the demo world (fixed random seed, no I/O).

The story the seed data tells: stations crowd into prefecture cities, each rescue van reaches 150 km from
its home station, and some counties have no authorised station at all - Ninghai county (宁海县) among them,
which is why a mobile service station came to it.

Scales:
- ``small``: Ningbo and Taizhou only; for tests.
- ``province``: all of Zhejiang (11 cities, 89 counties); the demo.
- ``national``: a station in every prefecture-level city and the 300 rescue vans of the car maker's
  published fleet; for benchmarks.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum

from dispatch.geo.divisions import (
    PROVINCE_ABBREVIATIONS,
    Division,
    Level,
    all_divisions,
    by_adcode,
    counties_of,
    prefecture_cities,
)
from seed import names

RANDOM_SEED = 20260311
NINGHAI = "330226"
ZHEJIANG = "33"
SMALL_CITIES = ("330200", "331000")  # Ningbo, Taizhou
ZHEJIANG_PLATE_LETTERS = {
    "330100": "A", "330200": "B", "330300": "C", "330600": "D", "330500": "E", "330400": "F",
    "330700": "G", "330800": "H", "331000": "J", "331100": "K", "330900": "L",
}  # fmt: skip
# Stations per Zhejiang city in the province world, roughly by car ownership.
STATIONS_PER_CITY = {"330100": 6, "330200": 5, "330300": 4, "330400": 3, "330600": 3, "330700": 3}
# County-level cities big enough for a station of their own.
COUNTY_STATIONS = ("330281", "330282", "330782", "330381", "330481", "330681", "331081", "331082")
# Mobile stations: (host city, counties they tour). Ninghai first.
MOBILE_STATIONS = [
    ("330200", ("330226", "330225")),
    ("331000", ("331022", "331023")),
    ("331100", ("331127", "331126")),
    ("330300", ("330329", "330328")),
    ("330800", ("330824",)),
    ("330100", ("330127",)),
]
NATIONAL_VANS = 300


class Scale(StrEnum):
    SMALL = "small"
    PROVINCE = "province"
    NATIONAL = "national"


@dataclass
class StationSpec:
    code: str
    name: str
    star_rating: int
    lat: float
    lon: float
    address: str
    county_adcode: str
    city_adcode: str
    phone: str


@dataclass
class VanSpec:
    plate: str
    name: str
    kind: str
    station_code: str
    capabilities: list[str]
    shift_start: time
    shift_end: time


@dataclass
class TechnicianSpec:
    username: str
    name: str
    phone: str
    van_plate: str
    skills: list[str]


@dataclass
class VehicleSpec:
    plate: str
    vin: str
    model: str
    powertrain: str
    last_service_date: date | None
    last_service_mileage_km: int | None
    mileage_km: int


@dataclass
class OwnerSpec:
    name: str
    phone: str
    county_adcode: str
    address: str
    lat: float
    lon: float
    vehicles: list[VehicleSpec] = field(default_factory=list)


@dataclass
class World:
    scale: Scale
    stations: list[StationSpec] = field(default_factory=list)
    vans: list[VanSpec] = field(default_factory=list)
    technicians: list[TechnicianSpec] = field(default_factory=list)
    owners: list[OwnerSpec] = field(default_factory=list)
    counties_without_station: list[str] = field(default_factory=list)


def build_world(scale: Scale | str, *, today: date | None = None, seed: int = RANDOM_SEED) -> World:
    """Generate the world for `scale`; the same arguments always give the same world."""
    scale = Scale(scale)
    generator = _WorldGenerator(scale, random.Random(seed), today or date(2026, 11, 1))
    return generator.build()


def offset_point(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    """Move a point by small offsets in km (flat-earth approximation, fine below ~50 km)."""
    dlat = north_km / 111.2
    dlon = east_km / (111.2 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


class _WorldGenerator:
    def __init__(self, scale: Scale, rng: random.Random, today: date):
        self.scale = scale
        self.rng = rng
        self.today = today
        self.world = World(scale)
        self._plates: set[str] = set()
        self._vins: set[str] = set()
        self._tech_count = 0

    def build(self) -> World:
        if self.scale is Scale.NATIONAL:
            self._national_stations_and_vans()
            owner_counties = [d for d in all_divisions() if d.level is Level.COUNTY]
            owner_count = 5000
        else:
            city_codes = SMALL_CITIES if self.scale is Scale.SMALL else tuple(ZHEJIANG_PLATE_LETTERS)
            cities = [c for c in prefecture_cities(ZHEJIANG) if c.adcode in city_codes]
            owner_counties = [c for c in counties_of(ZHEJIANG) if c.city_adcode in city_codes]
            self._zhejiang_stations(cities, owner_counties)
            self._rescue_vans()
            self._mobile_stations(city_codes)
            owner_count = 200 if self.scale is Scale.SMALL else 3000
        self._owners(owner_counties, owner_count)
        covered = {s.county_adcode for s in self.world.stations}
        self.world.counties_without_station = sorted(
            c.adcode for c in owner_counties if c.adcode not in covered
        )
        return self.world

    # -- stations and vans -------------------------------------------------------------------------
    def _zhejiang_stations(self, cities: list[Division], counties: list[Division]) -> None:
        for city in cities:
            districts = [c for c in counties if c.city_adcode == city.adcode and c.name.endswith("区")]
            wanted = STATIONS_PER_CITY.get(city.adcode, 2)
            if self.scale is Scale.SMALL:
                wanted = 2 if city.adcode == "330200" else 1
            for i in range(wanted):
                seat = districts[i % len(districts)] if districts else city
                self._add_station(city, seat, rating=self.rng.choice((4, 5, 5)))
        if self.scale is Scale.PROVINCE:
            by_code = {c.adcode: c for c in counties}
            for code in COUNTY_STATIONS:
                county = by_code[code]
                city = next(c for c in cities if c.adcode == county.city_adcode)
                self._add_station(city, county, rating=self.rng.choice((3, 3, 4)))

    def _add_station(self, city: Division, seat: Division, rating: int) -> StationSpec:
        number = len(self.world.stations) + 1
        lat, lon = offset_point(seat.lat, seat.lon, self.rng.uniform(-3, 3), self.rng.uniform(-3, 3))
        road = self.rng.choice(names.ROADS)
        city_short = city.name.removesuffix("市")
        station = StationSpec(
            code=f"S{city.adcode}-{number:03d}",
            name=f"{city_short}{seat.name.removesuffix('区').removesuffix('市')}远航授权服务站",
            star_rating=rating,
            lat=lat,
            lon=lon,
            address=f"{city.name}{seat.name if seat is not city else ''}{road}{self.rng.randint(1, 899)}号",
            county_adcode=seat.adcode,
            city_adcode=city.adcode,
            phone=f"0{self.rng.randint(570, 579)}-{self.rng.randint(80000000, 89999999)}",
        )
        self.world.stations.append(station)
        return station

    def _rescue_vans(self) -> None:
        for index, station in enumerate(self.world.stations):
            count = 2 if self.scale is Scale.SMALL else self.rng.choice((1, 2, 2, 3))
            for k in range(count):
                self._add_van(station, index * 3 + k, kind="rescue")

    def _add_van(self, station: StationSpec, serial: int, kind: str, name: str = "") -> VanSpec:
        capabilities = ["light_repair"]
        # Every station's first van tows; EV kit and heavy-vehicle gear spread deterministically.
        if serial % 3 == 0 or self.rng.random() < 0.3:
            capabilities.append("tow")
        if serial % 2 == 0 or self.rng.random() < 0.2:
            capabilities.append("ev")
        if self.rng.random() < 0.1:
            capabilities.append("heavy_vehicle")
        night = kind == "rescue" and serial % 4 == 3
        van = VanSpec(
            plate=self._plate(station.city_adcode),
            name=name,
            kind=kind,
            station_code=station.code,
            capabilities=capabilities,
            shift_start=time(20, 0) if night else time(8, 0),
            shift_end=time(8, 0) if night else time(20, 0),
        )
        self.world.vans.append(van)
        crew = 2 if kind == "mobile_station" else 1
        for _ in range(crew):
            self._add_technician(van)
        return van

    def _add_technician(self, van: VanSpec) -> None:
        self._tech_count += 1
        skills = [c for c in van.capabilities if c in ("ev", "heavy_vehicle")] + ["general"]
        self.world.technicians.append(
            TechnicianSpec(
                username=f"tech{self._tech_count:03d}",
                name=self._person_name(),
                phone=self._mobile(),
                van_plate=van.plate,
                skills=skills,
            )
        )

    def _mobile_stations(self, city_codes: tuple[str, ...]) -> None:
        by_city: dict[str, StationSpec] = {}
        for station in self.world.stations:
            by_city.setdefault(station.city_adcode, station)
        names_by_code = {c.adcode: c.name for c in counties_of(ZHEJIANG)}
        for serial, (city_code, counties) in enumerate(MOBILE_STATIONS):
            if city_code not in city_codes:
                continue
            host = by_city[city_code]
            label = names_by_code[counties[0]].removesuffix("县").removesuffix("市")
            self._add_van(host, serial * 3, kind="mobile_station", name=f"{label}流动服务站")

    def _national_stations_and_vans(self) -> None:
        cities = prefecture_cities()
        for city in cities:
            self._add_station(city, city, rating=self.rng.choice((3, 4, 5)))
        # Provincial capitals and big cities first get a second van, then one van per city until 300.
        stations = list(self.world.stations)
        order = sorted(range(len(stations)), key=lambda i: (stations[i].city_adcode[2:4] != "01", i))
        for serial in range(NATIONAL_VANS):
            station = stations[order[serial % len(order)]] if serial < len(order) else stations[order[0]]
            self._add_van(station, serial, kind="rescue")

    # -- owners and vehicles -----------------------------------------------------------------------
    def _owners(self, counties: list[Division], count: int) -> None:
        # Urban districts hold more owners than rural counties.
        weights = [3.0 if c.name.endswith("区") else 1.0 for c in counties]
        known = by_adcode()
        city_names = {c.adcode: c.name for c in prefecture_cities()}
        for _ in range(count):
            county = self.rng.choices(counties, weights=weights)[0]
            spread_km = 4.0 if county.name.endswith("区") else 10.0
            lat, lon = offset_point(
                county.lat, county.lon, self.rng.gauss(0, spread_km), self.rng.gauss(0, spread_km)
            )
            town = self.rng.choice(names.TOWN_STEMS)
            village = self.rng.choice(names.VILLAGE_STEMS)
            owner = OwnerSpec(
                name=self._person_name(),
                phone=self._mobile(),
                county_adcode=county.adcode,
                address=(
                    f"{known[county.province_code + '0000'].name}{city_names.get(county.city_adcode, '')}"
                    f"{county.name}{town}镇{village}村"
                    f"{self.rng.randint(1, 200)}号"
                ),
                lat=lat,
                lon=lon,
            )
            for _ in range(2 if self.rng.random() < 0.1 else 1):
                owner.vehicles.append(self._vehicle(county.city_adcode))
            self.world.owners.append(owner)

    def _vehicle(self, city_adcode: str) -> VehicleSpec:
        model, powertrain = self.rng.choice(names.MODELS)
        age_days = self.rng.randint(60, 6 * 365)
        mileage = int(age_days * self.rng.uniform(20, 70))
        months_since_service = self.rng.randint(1, 24)
        serviced = self.rng.random() < 0.9
        return VehicleSpec(
            plate=self._plate(city_adcode),
            vin=self._vin(),
            model=model,
            powertrain=powertrain,
            last_service_date=self.today - timedelta(days=30 * months_since_service) if serviced else None,
            last_service_mileage_km=max(0, mileage - months_since_service * 1200) if serviced else None,
            mileage_km=mileage,
        )

    # -- identifiers -------------------------------------------------------------------------------
    def _plate(self, city_adcode: str) -> str:
        province = PROVINCE_ABBREVIATIONS.get(city_adcode[:2], "浙")
        if city_adcode[:2] == ZHEJIANG:
            letter = ZHEJIANG_PLATE_LETTERS.get(city_adcode, "A")
        else:
            letter = string.ascii_uppercase[int(city_adcode[2:4]) % 24]
        while True:
            tail = "".join(self.rng.choice("0123456789") for _ in range(4))
            plate = f"{province}{letter}{self.rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789')}{tail}"
            if plate not in self._plates:
                self._plates.add(plate)
                return plate

    def _vin(self) -> str:
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # VINs never use I, O or Q
        while True:
            vin = "LYH" + "".join(self.rng.choice(alphabet) for _ in range(14))
            if vin not in self._vins:
                self._vins.add(vin)
                return vin

    def _person_name(self) -> str:
        given = "".join(self.rng.choice(names.GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(names.SURNAMES) + given

    def _mobile(self) -> str:
        return f"1{self.rng.choice((3, 5, 8))}{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}"
