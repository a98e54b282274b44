"""Who is calling: the technician behind a token, and the van they crew.

Every field endpoint works on behalf of a `Crew`; a job, or a campaign visit, is visible only to the crew
of the van it is assigned to (403 for anyone else, 404 when it doesn't exist at all).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session, col, select

from dispatch.api.deps import SessionDep, TechnicianDep
from dispatch.auth.models import User
from dispatch.auth.service import actor_of
from dispatch.campaigns.models import PlanVisit
from dispatch.campaigns.visits import published_visit
from dispatch.errors import NotFound, PermissionDenied
from dispatch.fleet.models import Technician, Van
from dispatch.jobs.models import RescueJob


@dataclass(frozen=True)
class Crew:
    """The calling technician's user, technician record and van."""

    user: User
    technician: Technician
    van: Van

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def van_id(self) -> int:
        assert self.van.id is not None
        return self.van.id

    @property
    def actor(self) -> str:
        return actor_of(self.user)


def load_crew(*, session: Session, user: User) -> Crew:
    """The technician and van behind `user`; 403 if the account has no active technician or no van."""
    row = session.exec(
        select(Technician, Van)
        .join(Van, col(Van.id) == col(Technician.van_id), isouter=True)
        .where(Technician.id == user.technician_id, col(Technician.is_active).is_(True))
    ).first()
    if row is None:
        raise PermissionDenied("账号未关联在岗技术员 / This account is not linked to an active technician")
    technician, van = row
    if van is None:
        raise PermissionDenied("技术员未分配服务车 / This technician is not assigned to a van")
    return Crew(user=user, technician=technician, van=van)


def get_crew(user: TechnicianDep, session: SessionDep) -> Crew:
    return load_crew(session=session, user=user)


CurrentCrew = Annotated[Crew, Depends(get_crew)]


def crew_job(*, session: Session, crew: Crew, job_id: uuid.UUID) -> RescueJob:
    """Load a job the crew may see and change: 404 if unknown, 403 if it belongs to another van."""
    job = session.get(RescueJob, job_id)
    if job is None:
        raise NotFound(f"救援单 {job_id} 不存在 / Job {job_id} not found")
    if job.van_id != crew.van_id:
        raise PermissionDenied(
            f"救援单 {job.reference} 不属于您的服务车 / Job {job.reference} is not assigned to your van"
        )
    return job


def get_crew_job(job_id: uuid.UUID, crew: CurrentCrew, session: SessionDep) -> RescueJob:
    return crew_job(session=session, crew=crew, job_id=job_id)


CrewJob = Annotated[RescueJob, Depends(get_crew_job)]


def crew_visit(*, session: Session, crew: Crew, visit_id: int) -> PlanVisit:
    """A visit on the day's published plan the crew may move: 404 if unknown or unpublished, 403 if it is
    another van's."""
    visit = published_visit(session=session, visit_id=visit_id)
    if visit.van_id != crew.van_id:
        raise PermissionDenied(
            f"上门服务 {visit_id} 不属于您的服务车 / Visit {visit_id} is not assigned to your van"
        )
    return visit
