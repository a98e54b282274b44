"""Sign-in throttling: failures counted per account and per client address, in the database.

Counters live in a table, so every API worker sees the same numbers. Each key ("account:agent",
"address:10.0.0.7") counts failures in a sliding-start window; reaching the limit locks the key until
`locked_until`, and the lockout is recorded as an ``auth.lockout`` event (admins list them at
``GET /api/admin/security-events``). While a key is locked, sign-in answers 429 with Retry-After without
checking the password. A success clears the account's counter (not the address's: one right password must
not reset a guessing address).

Each failure is one upsert that increments atomically (``INSERT … ON CONFLICT DO UPDATE``), so concurrent
failures on several workers all count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col, select

from dispatch.db import UTCDateTime, utcnow
from dispatch.events.service import record_event
from dispatch.settings import Settings


class SignInThrottle(SQLModel, table=True):
    __tablename__ = "sign_in_throttles"

    key: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


@dataclass(frozen=True)
class Limit:
    key: str
    max_failures: int


def limits_for(username: str, address: str, settings: Settings) -> list[Limit]:
    return [
        Limit(f"account:{username.strip().lower()[:150]}", settings.sign_in_max_failures_per_account),
        Limit(f"address:{address[:150]}", settings.sign_in_max_failures_per_address),
    ]


def locked_for_s(*, session: Session, limits: list[Limit], now: datetime) -> int:
    """Seconds until every key in `limits` is unlocked (0: sign-in may proceed)."""
    keys = [limit.key for limit in limits]
    until = session.exec(
        select(SignInThrottle.locked_until).where(
            col(SignInThrottle.key).in_(keys), col(SignInThrottle.locked_until) > now
        )
    ).all()
    latest = max((u for u in until if u is not None), default=None)
    return math.ceil((latest - now).total_seconds()) if latest is not None else 0


def record_failure(*, session: Session, limits: list[Limit], now: datetime, settings: Settings) -> int:
    """Count one failure on every key; returns the seconds of a lockout this failure started (else 0)."""
    window_start = now - timedelta(seconds=settings.sign_in_failure_window_s)
    lockout = timedelta(seconds=settings.sign_in_lockout_s)
    locked_s = 0
    for limit in limits:
        failures = _increment(session, limit.key, now, window_start)
        if failures < limit.max_failures:
            continue
        started = session.execute(
            update(SignInThrottle)
            .where(
                col(SignInThrottle.key) == limit.key,
                (col(SignInThrottle.locked_until).is_(None)) | (col(SignInThrottle.locked_until) <= now),
            )
            .values(locked_until=now + lockout, failures=0, window_started_at=now)
            .execution_options(synchronize_session=False)
        )
        if started.rowcount == 1:  # type: ignore[attr-defined]
            locked_s = settings.sign_in_lockout_s
            record_event(
                session,
                kind="auth.lockout",
                actor="system",
                at=now,
                data={"key": limit.key, "failures": failures, "locked_until": (now + lockout).isoformat()},
            )
    return locked_s


def record_success(*, session: Session, username: str) -> None:
    session.execute(
        update(SignInThrottle)
        .where(col(SignInThrottle.key) == f"account:{username.strip().lower()[:150]}")
        .values(failures=0)
        .execution_options(synchronize_session=False)
    )


def _increment(session: Session, key: str, now: datetime, window_start: datetime) -> int:
    table = SignInThrottle.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stale = table.c.window_started_at <= window_start
    statement = (
        insert(table)
        .values(key=key, failures=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((stale, 1), else_=table.c.failures + 1),
                "window_started_at": case((stale, now), else_=table.c.window_started_at),
            },
        )
        .returning(table.c.failures)
    )
    return int(session.execute(statement).scalar_one())
