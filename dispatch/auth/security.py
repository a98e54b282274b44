"""Password hashing (argon2 via pwdlib) and signed, expiring bearer tokens (JWT, HS256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from dispatch.auth.models import Role

_password_hash = PasswordHash((Argon2Hasher(),))
_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _password_hash.verify(password, password_hash)


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    username: str
    role: Role
    technician_id: int | None
    expires_at: datetime


class InvalidToken(Exception):
    """The token is malformed, badly signed or expired."""


def issue_token(claims: TokenClaims, key: str) -> str:
    payload = {
        "sub": str(claims.user_id),
        "name": claims.username,
        "role": claims.role.value,
        "tech": claims.technician_id,
        "exp": int(claims.expires_at.timestamp()),
    }
    return jwt.encode(payload, key, algorithm=_ALGORITHM)


def read_token(token: str, key: str, now: datetime) -> TokenClaims:
    try:
        payload = jwt.decode(token, key, algorithms=[_ALGORITHM], options={"verify_exp": False})
        claims = TokenClaims(
            user_id=int(payload["sub"]),
            username=str(payload["name"]),
            role=Role(payload["role"]),
            technician_id=payload.get("tech"),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=now.tzinfo),
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
    # Expiry is checked against the injected clock, not the wall clock, so tests can move time.
    if claims.expires_at <= now:
        raise InvalidToken("token expired")
    return claims


def token_lifetime(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)
