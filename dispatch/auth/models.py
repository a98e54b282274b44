"""Users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from dispatch.db import UTCDateTime, utcnow


class Role(StrEnum):
    AGENT = "agent"
    PLANNER = "planner"
    TECHNICIAN = "technician"
    ADMIN = "admin"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100)
    role: Role = Field(sa_type=String(20))
    password_hash: str = Field(max_length=255)
    technician_id: int | None = Field(default=None, foreign_key="technicians.id", unique=True)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
