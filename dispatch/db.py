"""Engine, sessions and the column types every table shares.

Transactions are explicit and owned by the caller: a request's session dependency commits once at the end
of the use case; background work opens its own `unit_of_work()`. Services only `add` and `flush`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Engine,
    any_,
    event,
)
from sqlalchemy import literal as sql_literal
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

from dispatch.settings import Settings
from dispatch.sqlite_write_gate import SqliteWriteGate

# Named constraints, so migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so we store naive UTC and put the zone back
    on the way out. Naive datetimes are refused on the way in: they are always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_BUSY_TIMEOUT_S = 30.0

# JSON on SQLite, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


def ids_in(session: Session, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids``, sent to PostgreSQL as one array parameter (``= ANY(...)``).

    An expanding IN renders one placeholder per id, so each list length is a new statement text for the
    driver to parse and plan; a hundred-id IN costs three times the rows it reads. The array form is one
    statement whatever the count. SQLite has no arrays and keeps the IN.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(sql_literal(list(ids), ARRAY(BigInteger)))  # type: ignore[no-any-return]
    return column.in_(ids)  # type: ignore[no-any-return]


def insert_renewing(
    session: Session, row: Any, *, clash_is_ours: Callable[[], bool], renew: Callable[[], None], attempts: int
) -> bool:
    """Insert `row` (flushed, in a savepoint), renewing one of its values while that value is what clashed.

    For values the application picks and a unique constraint backs: a drawn reference, the next version
    number. On a unique violation `clash_is_ours()` says whether that value is the one taken; if so
    `renew()` picks another and the insert is tried again, up to `attempts` times (then False). Any other
    violation is raised, with the session still usable.
    """
    for _ in range(attempts):
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return True
        except IntegrityError:
            if not clash_is_ours():
                raise
            renew()
    return False


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    """Create the engine for `settings.database_url`, tuned per backend."""
    if settings.is_sqlite:
        # Every request thread (anyio runs up to 40) and background worker may hold a connection while it
        # waits its turn at the write gate; a pool smaller than that turned a burst of tablets into 503s.
        if make_url(settings.database_url).database not in (None, "", ":memory:"):  # file, not one connection
            kwargs.setdefault("pool_size", 10)
            kwargs.setdefault("max_overflow", 50)
        engine = create_engine(
            settings.database_url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_savepoint_in_a_transaction)
        SqliteWriteGate(timeout_s=SQLITE_BUSY_TIMEOUT_S).attach(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(settings.database_url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work while one writer commits; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def _sqlite_savepoint_in_a_transaction(connection: Connection, _name: str) -> None:
    """Make a SAVEPOINT nest inside a real transaction on SQLite.

    pysqlite only BEGINs before DML, so a SAVEPOINT issued first would open the outermost transaction and
    its RELEASE would commit (SQLAlchemy docs, "Serializable isolation / Savepoints"). BEGIN IMMEDIATE,
    since a savepoint means writes are coming: waiting for the write lock up front avoids the "database is
    locked" a deferred reader gets when it tries to write after another connection committed.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session for background work: commits on success, rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
