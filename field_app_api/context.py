"""Request-scoped dependencies shared by the field views: the action context and the ETA provider."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dispatch.api.deps import ClockDep, SessionDep, SettingsDep
from dispatch.travel_times import DriveTime, drive_time_for
from field_app_api.actions import Context
from field_app_api.crew import CurrentCrew


def get_drive_time(request: Request, settings: SettingsDep) -> DriveTime:
    """One travel-time provider per app, built on first use (tests override this dependency)."""
    drive_time: DriveTime | None = getattr(request.app.state, "field_drive_time", None)
    if drive_time is None:
        drive_time = drive_time_for(settings)
        request.app.state.field_drive_time = drive_time
    return drive_time


def get_context(
    session: SessionDep,
    crew: CurrentCrew,
    clock: ClockDep,
    settings: SettingsDep,
    drive_time: Annotated[DriveTime, Depends(get_drive_time)],
) -> Context:
    return Context(session=session, crew=crew, now=clock.now(), settings=settings, drive_time=drive_time)


ContextDep = Annotated[Context, Depends(get_context)]
