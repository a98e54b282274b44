"""Planner API: coverage gaps, countryside campaigns, bookings and day plans."""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/planner", tags=["planner / 服务规划"], responses=ERROR_RESPONSES)
