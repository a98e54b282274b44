"""Websocket tickets: short-lived, single-use, so long-lived bearer tokens stay out of URLs and logs.

``POST /api/auth/ws-ticket`` (with the bearer token in the Authorization header) returns a random ticket; a
browser opens ``/api/streams/...?ticket=...`` with it. Only a hash of the ticket is stored, and using it is
one conditional UPDATE, so a ticket opens exactly one socket, on whichever worker, before it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Field, Session, SQLModel, col

from dispatch.db import UTCDateTime


class WebsocketTicket(SQLModel, table=True):
    __tablename__ = "websocket_tickets"

    ticket_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def issue_ticket(*, session: Session, user_id: int, now: datetime, ttl_s: int) -> tuple[str, datetime]:
    """A new ticket for `user_id` and when it expires; old expired tickets are cleared on the way."""
    session.execute(delete(WebsocketTicket).where(col(WebsocketTicket.expires_at) < now - timedelta(hours=1)))
    ticket = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=ttl_s)
    session.add(WebsocketTicket(ticket_hash=_hash(ticket), user_id=user_id, expires_at=expires_at))
    session.flush()
    return ticket, expires_at


def redeem_ticket(*, session: Session, ticket: str, now: datetime) -> int | None:
    """The ticket's user id, marking it used; None if unknown, expired or used before."""
    result = session.execute(
        update(WebsocketTicket)
        .where(
            col(WebsocketTicket.ticket_hash) == _hash(ticket),
            col(WebsocketTicket.used_at).is_(None),
            col(WebsocketTicket.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(WebsocketTicket.user_id))
    )
    user_id = result.scalar_one_or_none()
    return int(user_id) if user_id is not None else None
