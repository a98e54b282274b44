"""Authentication and user management, without HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from dispatch.auth import throttle
from dispatch.auth.models import Role, User
from dispatch.auth.password_policy import check_password
from dispatch.auth.security import TokenClaims, hash_password, issue_token, token_lifetime, verify_password
from dispatch.errors import Conflict, InvalidInput, TooManyAttempts
from dispatch.events.models import Event
from dispatch.fleet.models import Technician
from dispatch.settings import Settings

# Verifying against a real hash when the user doesn't exist keeps the timing the same for both failures.
_DUMMY_HASH = hash_password("timing-equaliser")


def actor_of(user: User) -> str:
    """How a user appears in the audit trail: ``agent:zhangwei``."""
    return f"{user.role}:{user.username}"


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not user.is_active or not verify_password(password, user.password_hash):
        return None
    return user


@dataclass(frozen=True)
class SignInOutcome:
    """A sign-in attempt: the user, or None with the lockout this failure started (0: none)."""

    user: User | None
    locked_s: int = 0


def sign_in(
    *, session: Session, username: str, password: str, address: str, now: datetime, settings: Settings
) -> SignInOutcome:
    """Check the password unless the account or the address is locked (``TooManyAttempts``, 429), and
    count a failure against both. The caller commits even when the attempt failed: failures must count."""
    limits = throttle.limits_for(username, address, settings)
    wait_s = throttle.locked_for_s(session=session, limits=limits, now=now)
    if wait_s:
        raise TooManyAttempts(wait_s)
    user = authenticate(session=session, username=username, password=password)
    if user is None:
        locked_s = throttle.record_failure(session=session, limits=limits, now=now, settings=settings)
        return SignInOutcome(user=None, locked_s=locked_s)
    throttle.record_success(session=session, username=username)
    return SignInOutcome(user=user)


def issue_access_token(*, user: User, key: str, now: datetime, ttl_minutes: int) -> tuple[str, datetime]:
    assert user.id is not None
    expires_at = now + token_lifetime(ttl_minutes)
    claims = TokenClaims(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        technician_id=user.technician_id,
        expires_at=expires_at,
    )
    return issue_token(claims, key), expires_at


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    technician_id: int | None = None,
) -> User:
    taken = session.exec(select(func.count()).select_from(User).where(User.username == username)).one()
    if taken:
        raise Conflict(f"用户名 {username} 已存在 / Username {username} is taken", field="username")
    if role is Role.TECHNICIAN:
        if technician_id is None or session.get(Technician, technician_id) is None:
            raise InvalidInput(
                "技术员账号必须关联技术员 / A technician account needs an existing technician_id",
                field="technician_id",
            )
    elif technician_id is not None:
        raise InvalidInput(
            "只有技术员账号可以关联技术员 / Only technician accounts link to a technician",
            field="technician_id",
        )
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        technician_id=technician_id,
    )
    session.add(user)
    session.flush()
    return user


def security_events(*, session: Session, limit: int) -> list[Event]:
    """The newest ``auth.*`` events (sign-in lockouts), newest first."""
    query = (
        select(Event).where(col(Event.kind).startswith("auth.")).order_by(col(Event.id).desc()).limit(limit)
    )
    return list(session.exec(query))


def create_admin(*, session: Session, username: str, password: str, display_name: str) -> User:
    """An administrator with a password that passes the policy (the first one comes from the CLI)."""
    check_password(password, username=username)
    return create_user(
        session=session, username=username, password=password, role=Role.ADMIN, display_name=display_name
    )
