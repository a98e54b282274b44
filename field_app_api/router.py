"""The technicians' tablet API, mounted at ``/api/field``.

Every endpoint acts for the calling technician's van (`field_app_api.crew`); every write accepts an
``Idempotency-Key`` (`field_app_api.idempotency`); queued offline actions go to ``/batch``.
"""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.api.errors import ERROR_RESPONSES
from field_app_api.views import crew, jobs, offers, pings, uploads, visits

router = APIRouter(prefix="/api/field", tags=["technician / 技术员"], responses=ERROR_RESPONSES)
for _module in (crew, offers, jobs, visits, uploads, pings):
    router.include_router(_module.router)
