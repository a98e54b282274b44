"""Who am I (technician and van; log in with /api/auth/token), and today's campaign plan."""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.api.deps import ClockDep, SessionDep, SettingsDep
from dispatch.campaigns.todays_plan import service_date_at, todays_lunch, todays_visits
from dispatch.fleet.crews import van_summaries
from field_app_api.crew import Crew, CurrentCrew
from field_app_api.schemas import CrewRead, PlannedStopRead, TodaysPlan, VanRead

router = APIRouter()


def crew_read(crew: Crew) -> CrewRead:
    assert crew.technician.id is not None
    return CrewRead(
        user_id=crew.user_id,
        username=crew.user.username,
        technician_id=crew.technician.id,
        technician_name=crew.technician.name,
        phone=crew.technician.phone,
        van=VanRead.model_validate(crew.van),
    )


@router.get("/me", response_model=CrewRead, summary="My technician and van / 我的信息与服务车")
def me(crew: CurrentCrew) -> CrewRead:
    return crew_read(crew)


@router.get("/plan/today", response_model=TodaysPlan, summary="Today's campaign visits / 今日流动服务计划")
def plan_today(crew: CurrentCrew, session: SessionDep, clock: ClockDep, settings: SettingsDep) -> TodaysPlan:
    """The published plan's visits for the van today (Asia/Shanghai); empty when it serves no campaign."""
    day = service_date_at(clock.now(), settings.display_timezone)
    stops = todays_visits(session=session, van_id=crew.van_id, service_date=day)
    lunch = todays_lunch(session=session, van_id=crew.van_id, service_date=day)
    van = van_summaries(session, [crew.van_id]).get(crew.van_id)
    return TodaysPlan(
        van_id=crew.van_id,
        plate=van.plate if van else "",
        crew=van.crew if van else [],
        service_date=day,
        lunch_start_at=lunch.start_at if lunch else None,
        lunch_minutes=lunch.minutes if lunch else None,
        stops=[PlannedStopRead.model_validate(stop) for stop in stops],
    )
