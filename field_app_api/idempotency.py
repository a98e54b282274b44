"""Exactly-once writes over flaky mobile networks.

A tablet sends each write with an ``Idempotency-Key`` (a UUID it generated). The first request with a key
claims it by inserting an `IdempotencyRecord` (``INSERT ... ON CONFLICT DO NOTHING``) in the same
transaction as the change itself, then stores its response there; so a crash can never keep the change
without the record, or the record without the change.

- A retry with the same key and the same request (method, path, canonical body) gets the stored response
  and changes nothing.
- The same key with a different request is refused (422, ``idempotency_key_reused``).
- Two copies racing each other: the second one's claim hits the primary key (on PostgreSQL it waits for
  the first transaction to finish), inserts nothing, and the second copy replays the first one's response.
  (On SQLite writers are serialised; a loser that read before the winner committed gets "database is
  locked" and its retry replays.)
- A request that fails stores nothing (its transaction rolls back, claim included): a retry runs again.

Records are kept `Settings.idempotency_retention_hours` (72 h by default) and removed by `purge_expired`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from dispatch.errors import Conflict, IdempotencyKeyReused, InvalidInput
from field_app_api.models import IdempotencyRecord

KEY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Outcome:
    """A write's response: freshly produced, or replayed from the first request with the same key."""

    status_code: int
    body: Any
    replayed: bool = False


def parse_key(raw: str | None, *, field: str = KEY_HEADER) -> str | None:
    """The canonical form of a client key; 422 naming `field` unless it is a UUID."""
    if raw is None:
        return None
    try:
        return str(uuid.UUID(raw.strip()))
    except ValueError as exc:
        raise InvalidInput(
            f"{field} 必须是 UUID / {field} must be a UUID", field=field, details={"value": raw[:80]}
        ) from exc


def request_hash(method: str, path: str, body: Any) -> str:
    """SHA-256 of method, path and the body with sorted keys, so key order and spacing don't matter."""
    canonical = json.dumps(
        [method.upper(), path, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_once(
    *,
    session: Session,
    user_id: int,
    key: str | None,
    method: str,
    path: str,
    body: Any,
    now: datetime,
    status_code: int,
    action: Callable[[], Any],
) -> Outcome:
    """Run `action` (which returns a JSON-able body) at most once per (user, key); see the module docstring.

    Without a key the action simply runs. The caller owns the transaction, as for any service.
    """
    if key is None:
        return Outcome(status_code, action())
    fingerprint = request_hash(method, path, body)
    claim = {
        "user_id": user_id,
        "key": key,
        "method": method.upper(),
        "path": path[:255],
        "request_hash": fingerprint,
        "status_code": 0,
        "created_at": now,
    }
    if not _claim(session, claim):
        stored = _load(session, user_id, key)
        if stored is None:  # pragma: no cover - ON CONFLICT waited for a winner that then vanished
            raise Conflict(f"请重试 / Please retry the request with {KEY_HEADER} {key}")
        return _replay(stored, fingerprint)
    response = action()
    session.execute(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.user_id) == user_id, col(IdempotencyRecord.key) == key)
        .values(status_code=status_code, response_body=response)
        .execution_options(synchronize_session=False)
    )
    return Outcome(status_code, response)


def _claim(session: Session, values: dict[str, Any]) -> bool:
    """Insert the record unless the key exists: ``INSERT ... ON CONFLICT DO NOTHING RETURNING``.

    One statement, no savepoint; on PostgreSQL a concurrent claim of the same key waits for the other
    transaction and then does nothing (if it committed) or inserts (if it rolled back).
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(IdempotencyRecord)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(col(IdempotencyRecord.key))
    )
    return session.execute(statement).first() is not None


def purge_expired(*, session: Session, now: datetime, retention_hours: int) -> int:
    """Delete records older than the retention period; returns how many went."""
    cutoff = now - timedelta(hours=retention_hours)
    result = session.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < cutoff))
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _load(session: Session, user_id: int, key: str) -> IdempotencyRecord | None:
    statement = (
        select(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def _replay(stored: IdempotencyRecord, fingerprint: str) -> Outcome:
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            f"{KEY_HEADER} 已用于另一个请求 / {KEY_HEADER} was already used for a different request",
            field=KEY_HEADER,
            details={"first_used_for": f"{stored.method} {stored.path}"},
        )
    return Outcome(stored.status_code, stored.response_body, replayed=True)
