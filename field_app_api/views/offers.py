"""Offers to the crew's van: see them, accept, decline with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from dispatch.api.ids import RowId
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.jobs import offers
from field_app_api import actions
from field_app_api.context import ContextDep
from field_app_api.jobs import pending_offers
from field_app_api.schemas import JobRead, OfferDecline, OfferRead
from field_app_api.writes import IdempotentWriteDep

router = APIRouter(prefix="/offers")


def get_offer_picker() -> offers.CandidatePicker | None:
    """Who the job goes to after a decline: None lets the dispatch matching service decide."""
    return None


PickerDep = Annotated[offers.CandidatePicker | None, Depends(get_offer_picker)]


@router.get(
    "",
    response_model=list[OfferRead],
    summary="Offers waiting for me / 待响应派单",
    responses=TOTAL_COUNT_HEADER,
)
def list_offers(ctx: ContextDep, response: Response) -> list[OfferRead]:
    waiting = pending_offers(session=ctx.session, van_id=ctx.crew.van_id, now=ctx.now)
    set_total_count(response, len(waiting))
    return [
        OfferRead(
            id=offer.id or 0,
            job_id=job.id,
            job_reference=job.reference,
            status=offer.status,
            offered_at=offer.offered_at,
            expires_at=offer.expires_at,
            distance_km=offer.distance_km,
            eta_s=offer.eta_s,
            fault_category=job.fault_category,
            fault_description=job.fault_description,
            priority=job.priority,
            vehicle_plate=job.vehicle_plate,
            vehicle_model=job.vehicle_model,
            powertrain=job.powertrain,
            lat=job.lat,
            lon=job.lon,
            address=job.address,
        )
        for offer, job in waiting
    ]


@router.post("/{offer_id}/accept", response_model=JobRead, summary="Accept an offer / 接受派单")
def accept(offer_id: RowId, ctx: ContextDep, write: IdempotentWriteDep) -> JSONResponse:
    def run() -> JobRead:
        job = offers.accept_offer(
            session=ctx.session, offer_id=offer_id, van_id=ctx.crew.van_id, actor=ctx.crew.actor, now=ctx.now
        )
        return actions.job_read(job)

    return write.respond({}, run)


@router.post("/{offer_id}/decline", summary="Decline an offer / 拒绝派单")
def decline(
    offer_id: RowId, body: OfferDecline, ctx: ContextDep, write: IdempotentWriteDep, picker: PickerDep
) -> JSONResponse:
    def run() -> dict[str, object]:
        offers.decline_offer(
            session=ctx.session,
            offer_id=offer_id,
            van_id=ctx.crew.van_id,
            actor=ctx.crew.actor,
            now=ctx.now,
            reason=body.reason,
            settings=ctx.settings,
            picker=picker,
        )
        return {"offer_id": offer_id, "status": "declined"}

    return write.respond(body, run)
