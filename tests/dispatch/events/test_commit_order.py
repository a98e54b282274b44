"""Event ids follow commit order, so "everything after id N" never skips a late commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from dispatch.events.models import Event
from dispatch.events.service import record_event, register_engine_publisher
from tests.conftest import TEST_NOW, is_postgres

KIND = "test.commit_order"


@pytest.fixture
def real_engine(engine: Engine) -> Iterator[Engine]:
    """Real commits seen by other connections; the rows are deleted afterwards."""
    yield engine
    register_engine_publisher(engine, None)
    with Session(engine) as session:
        session.execute(delete(Event).where(col(Event.kind) == KIND))
        session.commit()


@pytest.mark.postgres
def test_a_transaction_that_commits_later_gets_the_later_ids(real_engine: Engine) -> None:
    if not is_postgres():
        pytest.skip("SQLite serialises writers: flush order is commit order")
    published: list[int] = []
    register_engine_publisher(real_engine, lambda rows: published.extend(r.id for r in rows if r.id))
    with Session(real_engine) as early, Session(real_engine) as late:
        flushed_first = record_event(early, kind=KIND, actor="early", at=TEST_NOW)
        flushed_second = record_event(late, kind=KIND, actor="late", at=TEST_NOW)
        assert flushed_first.id is not None and flushed_second.id is not None
        assert flushed_first.id < flushed_second.id
        late.commit()
        early.commit()
    assert flushed_first.id > flushed_second.id
    with Session(real_engine) as session:
        stored = session.exec(select(Event.actor).where(Event.kind == KIND).order_by(col(Event.id))).all()
    assert stored == ["late", "early"]
    assert published == [flushed_second.id, flushed_first.id]


def test_background_sessions_publish_through_the_engine_publisher(real_engine: Engine) -> None:
    published: list[str] = []
    register_engine_publisher(real_engine, lambda rows: published.extend(r.actor for r in rows))
    with Session(real_engine) as session:
        record_event(session, kind=KIND, actor="sweeper", at=TEST_NOW)
        session.commit()
    assert published == ["sweeper"]


@pytest.mark.postgres
def test_events_of_one_transaction_keep_the_order_they_were_recorded_in(real_engine: Engine) -> None:
    if not is_postgres():
        pytest.skip("SQLite keeps the flush order")
    actors = [f"step-{n}" for n in range(12)]
    with Session(real_engine) as session, Session(real_engine) as other:
        rows = [record_event(session, kind=KIND, actor=actor, at=TEST_NOW) for actor in actors]
        record_event(other, kind=KIND, actor="other", at=TEST_NOW)
        other.commit()
        session.commit()
    assert [r.id for r in rows] == sorted(r.id for r in rows if r.id is not None)
    with Session(real_engine) as session:
        stored = session.exec(select(Event.actor).where(Event.kind == KIND).order_by(col(Event.id))).all()
    assert stored == ["other", *actors]


def test_savepoints_neither_publish_early_nor_lose_the_transactions_events(real_engine: Engine) -> None:
    """A savepoint's release is not the commit: events are numbered and published once, at the real
    commit; a rolled-back savepoint drops only its own events (the offer sweep works this way)."""
    published: list[list[str]] = []
    register_engine_publisher(real_engine, lambda rows: published.append([r.actor for r in rows]))
    with Session(real_engine) as session, Session(real_engine) as other:
        record_event(session, kind=KIND, actor="before", at=TEST_NOW)
        with session.begin_nested():
            record_event(session, kind=KIND, actor="released", at=TEST_NOW)
        try:
            with session.begin_nested():
                record_event(session, kind=KIND, actor="rolled-back", at=TEST_NOW)
                raise RuntimeError("this offer failed")
        except RuntimeError:
            pass
        assert published == []
        if is_postgres():  # SQLite: one writer at a time, the other session would wait for this one
            record_event(other, kind=KIND, actor="other", at=TEST_NOW)
            other.commit()
        session.commit()
    committed_first = [["other"]] if is_postgres() else []
    assert published == [*committed_first, ["before", "released"]]
    with Session(real_engine) as session:
        stored = session.exec(select(Event.actor).where(Event.kind == KIND).order_by(col(Event.id))).all()
    assert stored == [*(c[0] for c in committed_first), "before", "released"]
