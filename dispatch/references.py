"""Human-friendly public references and unguessable tokens.

References are read out over the phone ("RJ-261123-7K4QX"), so the alphabet leaves out 0/O and 1/I/L.
Tokens go into links and carry 192 bits of randomness.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_LOCAL = ZoneInfo("Asia/Shanghai")


def public_reference(prefix: str, at: datetime, length: int = 5) -> str:
    """E.g. ``RJ-261123-7K4QX``: prefix, local date, random suffix (unique constraint backs it up)."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    return f"{prefix}-{at.astimezone(_LOCAL):%y%m%d}-{suffix}"


def tracking_token() -> str:
    """A URL-safe token with 192 bits of randomness."""
    return secrets.token_urlsafe(24)
