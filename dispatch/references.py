"""Human-friendly public references and unguessable tokens.

References are read out over the phone ("RJ-261123-7K4QX"), so the alphabet leaves out 0/O and 1/I/L.
Five characters give 28.6 million references a day: a thousand jobs a day still meet a taken one about
once in sixty days, so rows with a reference are inserted through `insert_with_reference`, which draws
again when the unique constraint says the reference is taken. Tokens go into links and carry 192 bits of
randomness.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from dispatch.db import insert_renewing

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_LOCAL = ZoneInfo("Asia/Shanghai")


def public_reference(prefix: str, at: datetime, length: int = 5) -> str:
    """E.g. ``RJ-261123-7K4QX``: prefix, local date, random suffix (unique constraint backs it up)."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    return f"{prefix}-{at.astimezone(_LOCAL):%y%m%d}-{suffix}"


def tracking_token() -> str:
    """A URL-safe token with 192 bits of randomness."""
    return secrets.token_urlsafe(24)


REFERENCE_ATTEMPTS = 4


def insert_with_reference(session: Session, row: Any, new_reference: Callable[[], str]) -> None:
    """Insert `row` (flushed, in a savepoint) with a reference that no other row of its table holds.

    A clash on the reference draws a new one; any other integrity error (another unique column) is
    raised for the caller to explain, with the session still usable.
    """
    model = type(row)

    def reference_taken() -> bool:
        return (
            session.exec(select(model.reference).where(model.reference == row.reference)).first() is not None
        )

    def draw_again() -> None:
        row.reference = new_reference()

    if not insert_renewing(
        session, row, clash_is_ours=reference_taken, renew=draw_again, attempts=REFERENCE_ATTEMPTS
    ):
        raise RuntimeError(f"no free {model.__name__} reference after {REFERENCE_ATTEMPTS} draws")
