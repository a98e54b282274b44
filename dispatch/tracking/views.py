"""Owners' tracking links: one job or booking, by its unguessable token."""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/track", tags=["owner tracking / 车主查询"], responses=ERROR_RESPONSES)
