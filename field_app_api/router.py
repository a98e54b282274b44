"""The technicians' tablet API."""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/field", tags=["technician / 技术员"], responses=ERROR_RESPONSES)
