"""Call-center API for rescue jobs: intake, candidates, dispatch, lifecycle."""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/call-center", tags=["call center / 呼叫中心"], responses=ERROR_RESPONSES)
