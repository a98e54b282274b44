"""On SQLite, writers in one process queue at a gate and each gets it back on commit or rollback."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dispatch.db import make_engine
from dispatch.settings import Settings
from dispatch.sqlite_write_gate import SqliteWriteGate, write_gate


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gate.db'}", secret_key="x" * 32)
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE log (n INTEGER)"))
    return engine


def test_a_second_writer_waits_for_the_first_to_commit(sqlite_engine: Engine) -> None:
    order: list[str] = []
    first_wrote = threading.Event()

    def first() -> None:
        with sqlite_engine.begin() as connection:
            connection.execute(text("INSERT INTO log VALUES (1)"))
            first_wrote.set()
            time.sleep(0.3)
            order.append("first commits")

    def second() -> None:
        first_wrote.wait(5)
        with sqlite_engine.begin() as connection:
            connection.execute(text("INSERT INTO log VALUES (2)"))
            order.append("second wrote")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second wrote"]
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM log ORDER BY rowid")).scalars().all() == [1, 2]


def _gate(engine: Engine) -> SqliteWriteGate:
    gate = write_gate(engine)
    assert gate is not None
    return gate


def test_the_gate_is_held_from_the_first_write_to_commit(sqlite_engine: Engine) -> None:
    gate = _gate(sqlite_engine)
    with sqlite_engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM log"))
        assert not gate.held  # reading takes no gate
        connection.execute(text("INSERT INTO log VALUES (1)"))
        assert gate.held
        connection.execute(text("INSERT INTO log VALUES (2)"))  # the same transaction: no second take
        connection.commit()
        assert not gate.held


def test_rollback_and_an_abandoned_transaction_give_the_gate_back(sqlite_engine: Engine) -> None:
    gate = _gate(sqlite_engine)
    with sqlite_engine.connect() as connection:
        connection.execute(text("INSERT INTO log VALUES (1)"))
        connection.rollback()
        assert not gate.held
        connection.execute(text("INSERT INTO log VALUES (2)"))
        assert gate.held
    # Closed mid-transaction: the pool rolls it back and the gate comes back with the connection.
    assert not gate.held
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM log")).scalar_one() == 0


def test_a_savepoint_opens_a_write_transaction_behind_the_gate(sqlite_engine: Engine) -> None:
    gate = _gate(sqlite_engine)
    with sqlite_engine.connect() as connection:
        with connection.begin_nested():
            assert gate.held
        connection.commit()
    assert not gate.held


def test_a_connection_lost_mid_transaction_gives_the_gate_back(sqlite_engine: Engine) -> None:
    gate = _gate(sqlite_engine)
    with sqlite_engine.connect() as connection:
        connection.execute(text("INSERT INTO log VALUES (1)"))
        assert gate.held
        connection.invalidate()
        assert not gate.held
    with sqlite_engine.begin() as connection:
        connection.execute(text("INSERT INTO log VALUES (2)"))
    assert not gate.held


def test_every_request_thread_can_hold_a_connection_at_once(tmp_path: Path) -> None:
    """anyio runs up to 40 request threads; each may hold a connection while it waits at the write gate.

    With SQLAlchemy's default pool (5 + 10) the 16th waited for the pool, and a burst of tablets at the start
    of `dispatch demo` got 503s once the pool's wait ran out.
    """
    engine = make_engine(
        Settings(database_url=f"sqlite:///{tmp_path / 'pool.db'}", secret_key="k" * 40), pool_timeout=1
    )
    held = [engine.connect() for _ in range(41)]
    try:
        assert all(c.execute(text("SELECT 1")).scalar() == 1 for c in held)
    finally:
        for connection in held:
            connection.close()
        engine.dispose()
