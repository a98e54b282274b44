"""Two copies of one write racing on separate connections: applied once, both answered the same.

Needs real commits seen by another connection, so it runs on PostgreSQL (where the second claim waits
for the first transaction on the primary key) and cleans up after itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.events.service import record_event
from field_app_api.idempotency import Outcome, run_once
from field_app_api.models import IdempotencyRecord
from tests.conftest import is_postgres
from tests.field_app_api.conftest import new_key

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not is_postgres(), reason="needs concurrent writers (PostgreSQL)"),
]
RACE_USER_ID = 999_001
KIND = "test.race"


@pytest.fixture
def cleanup(engine: Engine) -> Iterator[None]:
    yield
    with Session(engine) as session:
        session.execute(delete(Event).where(col(Event.kind) == KIND))
        session.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.user_id) == RACE_USER_ID))
        session.commit()


def test_racing_copies_apply_once(engine: Engine, clock: FrozenClock, cleanup: None) -> None:
    key = new_key()
    start = threading.Barrier(2)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with Session(engine) as session:
                start.wait()

                def apply() -> dict[str, int | None]:
                    event = record_event(session, kind=KIND, actor="race", at=clock.now())
                    return {"event_id": event.id}

                outcome = run_once(
                    session=session,
                    user_id=RACE_USER_ID,
                    key=key,
                    method="POST",
                    path="/api/field/race",
                    body={"same": True},
                    now=clock.now(),
                    status_code=201,
                    action=apply,
                )
                session.commit()
                outcomes.append(outcome)
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(o.replayed for o in outcomes) == [False, True]
    assert outcomes[0].body == outcomes[1].body
    assert {o.status_code for o in outcomes} == {201}
    with Session(engine) as session:
        assert len(session.exec(select(Event).where(Event.kind == KIND)).all()) == 1
