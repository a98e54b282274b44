"""Who a token belongs to, remembered for a few seconds per API worker.

Every request used to read its user's row inside the request's transaction, in a worker thread of its own
before the endpoint's: one more round trip and one more thread hop on every call, for a row that changes
about never. The signed token already says who is calling; this cache answers "is that user still active,
and with which role" from memory for ``settings.auth_user_cache_s`` seconds (0 turns it off), so a
disabled user or a changed role takes effect on every worker within that time.

The cache is only touched on the event loop; the database read on a miss runs in the thread pool on a
session of its own, and the user it returns is detached: read it, never change it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from dispatch.auth.models import User

MAX_REMEMBERED = 10_000


class UserCache:
    def __init__(self, session_factory: Callable[[], Session], ttl_s: float):
        self._session_factory = session_factory
        self._ttl_s = ttl_s
        self._users: dict[int, tuple[float, User | None]] = {}

    async def get(self, user_id: int) -> User | None:
        """The user's row as of at most `ttl_s` seconds ago, or None if there is no such user."""
        now = time.monotonic()
        remembered = self._users.get(user_id)
        if remembered is not None and now - remembered[0] < self._ttl_s:
            return remembered[1]
        user = await run_in_threadpool(self._load, user_id)
        if self._ttl_s > 0:
            if len(self._users) >= MAX_REMEMBERED:
                self._users.clear()
            self._users[user_id] = (now, user)
        return user

    def _load(self, user_id: int) -> User | None:
        with self._session_factory() as session:
            user = session.get(User, user_id)
            if user is not None:
                session.expunge(user)
        return user
