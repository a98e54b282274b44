"""Owners and vehicles, as the after-sales CRM knows them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from dispatch.db import UTCDateTime, utcnow


class Powertrain(StrEnum):
    ICE = "ice"
    HYBRID = "hybrid"
    EV = "ev"


class Owner(SQLModel, table=True):
    __tablename__ = "owners"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=32, index=True)
    county_adcode: str = Field(max_length=6, index=True)
    address: str = Field(max_length=255)
    lat: float
    lon: float
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Vehicle(SQLModel, table=True):
    __tablename__ = "vehicles"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="owners.id", index=True)
    plate: str = Field(max_length=16, unique=True)
    vin: str = Field(max_length=17, unique=True)
    model: str = Field(max_length=64)
    powertrain: Powertrain = Field(sa_type=String(10))
    last_service_date: date | None = None
    last_service_mileage_km: int | None = None
    mileage_km: int = 0
