"""Log in, who am I, and today's campaign plan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from dispatch.api.deps import ClockDep, SessionDep, SettingsDep
from dispatch.auth import service as auth
from dispatch.auth.models import Role
from dispatch.campaigns.todays_plan import service_date_at, todays_visits
from dispatch.errors import PermissionDenied
from field_app_api.crew import Crew, CurrentCrew, load_crew
from field_app_api.schemas import CrewRead, FieldLogin, PlannedStopRead, TodaysPlan, VanRead

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


@router.post("/login", response_model=FieldLogin, summary="Technician log in / 技术员登录")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> FieldLogin:
    """Like /api/auth/token, for technicians only, and answers with the technician and van it is bound to."""
    user = auth.authenticate(session=session, username=form.username, password=form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "用户名或密码错误 / Wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if user.role != Role.TECHNICIAN:
        raise PermissionDenied("仅限技术员 / Technicians only")
    crew = load_crew(session=session, user=user)
    token, expires_at = auth.issue_access_token(
        user=user, key=settings.signing_key(), now=clock.now(), ttl_minutes=settings.token_ttl_minutes
    )
    return FieldLogin(access_token=token, expires_at=expires_at, crew=crew_read(crew))


@router.get("/me", response_model=CrewRead, summary="My technician and van / 我的信息与服务车")
def me(crew: CurrentCrew) -> CrewRead:
    return crew_read(crew)


@router.get("/plan/today", response_model=TodaysPlan, summary="Today's campaign visits / 今日流动服务计划")
def plan_today(crew: CurrentCrew, session: SessionDep, clock: ClockDep, settings: SettingsDep) -> TodaysPlan:
    """The published plan's visits for the van today (Asia/Shanghai); empty when it serves no campaign."""
    day = service_date_at(clock.now(), settings.display_timezone)
    stops = todays_visits(session=session, van_id=crew.van_id, service_date=day)
    return TodaysPlan(
        van_id=crew.van_id,
        service_date=day,
        stops=[PlannedStopRead.model_validate(stop) for stop in stops],
    )
