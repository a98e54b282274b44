"""Jobs and offers as the call center reads them: with the van's plate and crew and the pending offer.

Built in bulk (a handful of queries for a whole list), so a page of 500 jobs costs what one job does.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session, col, select

from dispatch.fleet.crews import van_summaries
from dispatch.jobs.models import JobOffer, LocationSource, OfferStatus, RescueJob
from dispatch.jobs.schemas import JobRead, OfferRead, PendingOffer


def job_reads(session: Session, jobs: Sequence[RescueJob]) -> list[JobRead]:
    """`JobRead` for each job, in order, with ``van`` and ``offer`` filled in."""
    pending = _pending_offers(session, [j.id for j in jobs])
    vans = van_summaries(session, [j.van_id for j in jobs] + [o.van_id for o in pending.values()])
    reads = []
    for job in jobs:
        offer = pending.get(job.id)
        read = JobRead.model_validate(job)
        read.location_used = "address" if job.location_source == LocationSource.ADDRESS else "coordinates"
        read.van = vans.get(job.van_id) if job.van_id is not None else None
        if offer is not None and offer.id is not None:
            plate = vans[offer.van_id].plate if offer.van_id in vans else ""
            read.offer = PendingOffer(
                id=offer.id, van_id=offer.van_id, plate=plate, expires_at=offer.expires_at
            )
        reads.append(read)
    return reads


def job_read(session: Session, job: RescueJob) -> JobRead:
    return job_reads(session, [job])[0]


def offer_read(session: Session, offer: JobOffer) -> OfferRead:
    read = OfferRead.model_validate(offer)
    van = van_summaries(session, [offer.van_id]).get(offer.van_id)
    if van is not None:
        read.plate, read.crew = van.plate, van.crew
    return read


def _pending_offers(session: Session, job_ids: list[uuid.UUID]) -> dict[uuid.UUID, JobOffer]:
    if not job_ids:
        return {}
    offers = session.exec(
        select(JobOffer).where(col(JobOffer.job_id).in_(job_ids), JobOffer.status == OfferStatus.PENDING)
    ).all()
    return {o.job_id: o for o in offers}
