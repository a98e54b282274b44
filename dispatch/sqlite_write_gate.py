"""One writer at a time per process on SQLite, queued in Python instead of by SQLite's busy handler.

SQLite lets one connection write at a time; the others wait in its busy handler, which sleeps and
retries with back-off up to 100 ms per try. Under load that is unfair: a request that has waited a while
sleeps 100 ms between tries while newcomers try every millisecond, so some wait seconds (at 32 concurrent
job intakes on one worker, p99 was ~12 times the median). Here a write transaction first takes a
per-engine gate, a plain lock that wakes the next waiter as soon as it is free, and gives it back when
the transaction commits or rolls back.

The gate only orders writers within one process; SQLite's own lock still guarantees correctness (and
orders several processes). A writer that has waited `timeout_s` goes ahead without the gate and meets
SQLite's busy handler as before, so the gate can delay work but never deadlock it.
"""

from __future__ import annotations

import threading
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event

_HOLDS_GATE = "dispatch.holds_write_gate"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE")
_GATES: WeakKeyDictionary[Engine, SqliteWriteGate] = WeakKeyDictionary()


def write_gate(engine: Engine) -> SqliteWriteGate | None:
    """The gate attached to `engine`, if any (SQLite engines made by `dispatch.db.make_engine`)."""
    return _GATES.get(engine)


class SqliteWriteGate:
    def __init__(self, timeout_s: float):
        self._lock = threading.Lock()
        self._timeout_s = timeout_s

    @property
    def held(self) -> bool:
        """Whether a write transaction of this process holds the gate now."""
        return self._lock.locked()

    def attach(self, engine: Engine) -> None:
        _GATES[engine] = self
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._transaction_ended)
        event.listen(engine, "rollback", self._transaction_ended)
        event.listen(engine.pool, "checkin", self._connection_returned)
        event.listen(engine.pool, "invalidate", self._connection_lost)

    def _before_execute(self, conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        info = conn.connection.info
        if info.get(_HOLDS_GATE) or not statement.lstrip()[:15].upper().startswith(_WRITES):
            return
        info[_HOLDS_GATE] = self._lock.acquire(timeout=self._timeout_s)

    def _transaction_ended(self, conn: Connection) -> None:
        if conn.invalidated:  # the pool's invalidate event gave the gate back already
            return
        self._release(conn.connection.info)

    def _connection_returned(self, _dbapi_connection: Any, record: Any) -> None:
        self._release(record.info)

    def _connection_lost(self, _dbapi_connection: Any, record: Any, _exception: Any) -> None:
        self._release(record.info)

    def _release(self, info: dict[str, Any]) -> None:
        if info.pop(_HOLDS_GATE, False):
            self._lock.release()
