"""China's administrative divisions with their seat coordinates, from cpca's bundled table.

cpca ships ``resources/adcodes.csv`` (adcode, name, longitude, latitude), a 2016 snapshot whose coordinates
match Amap's district centres, i.e. they are GCJ-02. We convert them to WGS-84 here, once, so nothing
downstream ever sees GCJ-02. We read the CSV ourselves (importlib.resources) rather than import cpca, which
pulls in pkg_resources.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib.resources import files
from types import MappingProxyType

from routing.datums import gcj02_to_wgs84

# Municipalities directly under the central government act as their own prefecture-level city.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


@dataclass(frozen=True)
class Division:
    adcode: str  # six digits
    name: str
    level: Level
    lat: float  # WGS-84
    lon: float

    @property
    def province_code(self) -> str:
        return self.adcode[:2]

    @property
    def city_adcode(self) -> str:
        """The prefecture-level city this division belongs to (itself for a city)."""
        if self.province_code in MUNICIPALITIES:
            return self.province_code + "0000"
        return self.adcode[:4] + "00"


def _level(adcode: str) -> Level:
    if adcode.endswith("0000"):
        return Level.PROVINCE
    if adcode.endswith("00"):
        return Level.CITY
    return Level.COUNTY


@lru_cache(maxsize=1)
def all_divisions() -> tuple[Division, ...]:
    """Every division that has coordinates (placeholders like 市辖区 have none and are skipped)."""
    text = files("cpca").joinpath("resources/adcodes.csv").read_text(encoding="utf-8")
    seen: set[str] = set()
    divisions = []
    for row in csv.DictReader(io.StringIO(text)):
        adcode = row["adcode"][:6]
        if adcode in seen or not row["longitude"] or not row["latitude"]:
            continue
        seen.add(adcode)
        lat, lon = gcj02_to_wgs84(float(row["latitude"]), float(row["longitude"]))
        divisions.append(Division(adcode, row["name"], _level(adcode), round(lat, 6), round(lon, 6)))
    divisions.sort(key=lambda d: d.adcode)
    return tuple(divisions)


@lru_cache(maxsize=1)
def by_adcode() -> Mapping[str, Division]:
    """Divisions by six-digit adcode; built once, read-only because it is shared."""
    return MappingProxyType({d.adcode: d for d in all_divisions()})


def counties_of(province_code: str) -> list[Division]:
    return [d for d in all_divisions() if d.province_code == province_code and d.level is Level.COUNTY]


def prefecture_cities(province_code: str | None = None) -> list[Division]:
    """Prefecture-level cities (municipalities count as one city each)."""
    cities = []
    for d in all_divisions():
        if province_code and d.province_code != province_code:
            continue
        if d.province_code in MUNICIPALITIES:
            if d.level is Level.PROVINCE:
                cities.append(d)
        elif d.level is Level.CITY:
            cities.append(d)
    return cities
