"""FastAPI dependencies, as `Annotated` aliases that read well in signatures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session

from dispatch.auth.models import Role, User
from dispatch.auth.security import InvalidToken, read_token
from dispatch.clock import Clock
from dispatch.settings import Settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ClockDep = Annotated[Clock, Depends(get_clock)]


def get_session(request: Request) -> Iterator[Session]:
    """One session and one transaction per request, committed before the response is sent."""
    session_factory: Callable[[], Session] = request.app.state.session_factory
    with session_factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": the commit runs before the response goes out, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _unauthenticated(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


def get_current_user(
    token: Annotated[str | None, Depends(oauth2_scheme)],
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> User:
    if not token:
        raise _unauthenticated("未登录 / Not authenticated")
    try:
        claims = read_token(token, settings.signing_key(), clock.now())
    except InvalidToken as exc:
        raise _unauthenticated("登录凭证无效或已过期 / Invalid or expired token") from exc
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise _unauthenticated("用户不存在或已停用 / User unknown or disabled")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    """A dependency that lets only `roles` through (403 for everyone else)."""
    allowed = frozenset(roles)

    def check(user: CurrentUser) -> User:
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
