"""What admins send to build the fleet (create and edit bodies); reads live in `dispatch.fleet.views`."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dispatch.api.ids import RowId
from dispatch.fleet.models import Capability, VanKind, VanStatus
from routing.datums import Datum

Adcode = Annotated[str, Field(pattern=r"^\d{6}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StationCreate(_Strict):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=120)
    star_rating: int = Field(ge=1, le=5)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    datum: Datum = Datum.WGS84
    address: str = Field(min_length=1, max_length=255)
    county_adcode: Adcode
    phone: str = Field(default="", max_length=32)


class StationUpdate(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    star_rating: int | None = Field(default=None, ge=1, le=5)
    address: str | None = Field(default=None, min_length=1, max_length=255)
    county_adcode: Adcode | None = None
    phone: str | None = Field(default=None, max_length=32)


class VanCreate(_Strict):
    plate: str = Field(min_length=2, max_length=16)
    name: str = Field(default="", max_length=120)
    kind: VanKind
    station_id: RowId
    capabilities: list[Capability] = Field(default_factory=list)
    shift_start: time
    shift_end: time
    status: VanStatus = VanStatus.AVAILABLE
    capacity_units: int = Field(default=100, ge=0, le=100_000)


class VanUpdate(_Strict):
    name: str | None = Field(default=None, max_length=120)
    kind: VanKind | None = None
    station_id: RowId | None = None
    capabilities: list[Capability] | None = None
    shift_start: time | None = None
    shift_end: time | None = None
    status: VanStatus | None = None
    capacity_units: int | None = Field(default=None, ge=0, le=100_000)


class ShiftUpdate(_Strict):
    """A van's daily shift (local time); an end before the start crosses midnight."""

    shift_start: time
    shift_end: time


class TechnicianCreate(_Strict):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=32, pattern=r"^\+?[0-9 -]+$")
    van_id: RowId | None = None
    skills: list[str] = Field(default_factory=list)


class TechnicianUpdate(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, min_length=5, max_length=32, pattern=r"^\+?[0-9 -]+$")
    van_id: RowId | None = None
    skills: list[str] | None = None


class TechnicianRead(BaseModel):
    id: int
    name: str
    phone: str
    van_id: int | None
    skills: list[str]
    is_active: bool
