"""Log in (OAuth2 password flow) and see who you are; admins manage users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlmodel import col, select

from dispatch.api.deps import AdminDep, ClockDep, CurrentUser, SessionDep, SettingsDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import RowId
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.auth import service, tickets
from dispatch.auth.models import Role, User
from dispatch.errors import TooManyAttempts
from dispatch.events.models import Event

router = APIRouter(prefix="/api/auth", tags=["auth / 登录"], responses=ERROR_RESPONSES)
admin_router = APIRouter(prefix="/api/admin", tags=["admin / 管理"], responses=ERROR_RESPONSES)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: Role


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    technician_id: int | None
    is_active: bool


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=128)
    role: Role
    technician_id: RowId | None = None


@router.post("/token", response_model=TokenResponse, summary="Log in / 登录 (any role)")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> TokenResponse:
    """Limited per account and per client address: too many failures lock both for a while (429)."""
    outcome = service.sign_in(
        session=session,
        username=form.username,
        password=form.password,
        address=request.client.host if request.client else "unknown",
        now=clock.now(),
        settings=settings,
    )
    user = outcome.user
    if user is None:
        session.commit()  # the failure counts even though this request fails
        if outcome.locked_s:
            raise TooManyAttempts(outcome.locked_s)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "用户名或密码错误 / Wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token, expires_at = service.issue_access_token(
        user=user, key=settings.signing_key(), now=clock.now(), ttl_minutes=settings.token_ttl_minutes
    )
    return TokenResponse(access_token=token, expires_at=expires_at, role=Role(user.role))


class WebsocketTicketRead(BaseModel):
    ticket: str
    expires_at: datetime


@router.post(
    "/ws-ticket",
    response_model=WebsocketTicketRead,
    status_code=201,
    summary="A single-use websocket ticket / 实时推送一次性票据 (any role)",
)
def websocket_ticket(
    user: CurrentUser, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> WebsocketTicketRead:
    """Open a stream with ``?ticket=…`` instead of putting the bearer token in a URL (URLs get logged)."""
    assert user.id is not None
    ticket, expires_at = tickets.issue_ticket(
        session=session, user_id=user.id, now=clock.now(), ttl_s=settings.ws_ticket_ttl_s
    )
    return WebsocketTicketRead(ticket=ticket, expires_at=expires_at)


@router.get("/me", response_model=UserRead, summary="Who am I / 当前用户 (any role)")
def me(user: CurrentUser) -> User:
    return user


@admin_router.get(
    "/users",
    response_model=list[UserRead],
    summary="List users / 用户列表 (admin)",
    responses=TOTAL_COUNT_HEADER,
)
def list_users(_admin: AdminDep, session: SessionDep, response: Response) -> list[User]:
    users = list(session.exec(select(User).order_by(col(User.id))))
    set_total_count(response, len(users))
    return users


@admin_router.post(
    "/users", response_model=UserRead, status_code=201, summary="Create a user / 新建用户 (admin)"
)
def create_user(body: UserCreate, _admin: AdminDep, session: SessionDep) -> User:
    return service.create_user(session=session, **body.model_dump())


class SecurityEventRead(BaseModel):
    id: int
    kind: str
    actor: str
    created_at: datetime
    data: dict[str, Any]


@admin_router.get(
    "/security-events",
    response_model=list[SecurityEventRead],
    summary="Sign-in lockouts and other security events / 安全事件 (admin)",
    responses=TOTAL_COUNT_HEADER,
)
def security_events(
    _admin: AdminDep,
    session: SessionDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Event]:
    """Newest first: ``auth.*`` events (lockouts say which account or address, and until when)."""
    events = service.security_events(session=session, limit=limit)
    set_total_count(response, len(events))
    return events
