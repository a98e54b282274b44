"""FastAPI dependencies, as `Annotated` aliases that read well in signatures.

Dependencies that never block are ``async def``: FastAPI runs a plain ``def`` dependency in the thread
pool, and each such hop costs a thread switch and a wait for the GIL, which under load cost more than the
work they wrap. Only what touches the database (the session, the user) runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from dispatch.auth.models import Role, User
from dispatch.auth.security import InvalidToken, read_token
from dispatch.auth.user_cache import UserCache
from dispatch.clock import Clock
from dispatch.settings import Settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ClockDep = Annotated[Clock, Depends(get_clock)]


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session and one transaction per request, committed before the response is sent.

    Creating a session does no I/O, so it happens on the event loop; the commit (or rollback) and the
    close run together in one worker thread, which saves a thread hop per request.
    """
    session_factory: Callable[[], Session] = request.app.state.session_factory
    session = session_factory()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end_session, session, commit=False)
        raise
    await run_in_threadpool(_end_session, session, commit=True)


def _end_session(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


# scope="function": the commit runs before the response goes out, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _unauthenticated(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


async def get_current_user(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    settings: SettingsDep,
    clock: ClockDep,
) -> User:
    """The caller, from a valid token whose user exists and is active (see `dispatch.auth.user_cache`)."""
    if not token:
        raise _unauthenticated("未登录 / Not authenticated")
    try:
        claims = read_token(token, settings.signing_key(), clock.now())
    except InvalidToken as exc:
        raise _unauthenticated("登录凭证无效或已过期 / Invalid or expired token") from exc
    users: UserCache = request.app.state.user_cache
    user = await users.get(claims.user_id)
    if user is None or not user.is_active:
        raise _unauthenticated("用户不存在或已停用 / User unknown or disabled")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency that lets only `roles` through (403 for everyone else)."""
    allowed = frozenset(roles)

    async def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"需要角色 {names} / Requires role: {names}")
        return user

    check.__doc__ = f"Roles: {', '.join(r.value for r in roles)}"
    return check


AgentDep = Annotated[User, Depends(require_roles(Role.AGENT, Role.ADMIN))]
PlannerDep = Annotated[User, Depends(require_roles(Role.PLANNER, Role.ADMIN))]
StaffDep = Annotated[User, Depends(require_roles(Role.AGENT, Role.PLANNER, Role.ADMIN))]
TechnicianDep = Annotated[User, Depends(require_roles(Role.TECHNICIAN))]
AdminDep = Annotated[User, Depends(require_roles(Role.ADMIN))]
