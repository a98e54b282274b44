"""The call-center and technician streams over websockets: envelopes, filters, replay, auth, slow clients."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.websockets import WebSocketDisconnect

from dispatch.clock import FrozenClock
from dispatch.fleet.models import Technician
from tests.dispatch.events.conftest import (
    NINGBO,
    TAIZHOU,
    close_code,
    commit_events,
    job_event,
    receive,
    receive_events,
)

CC = "/api/streams/call-center"
TECH = "/api/streams/technician"


def test_call_center_gets_each_committed_job_change_as_an_envelope(
    client: TestClient, app: FastAPI, clock: FrozenClock, token_for: Callable[[str], str]
) -> None:
    with client.websocket_connect(f"{CC}?token={token_for('agent')}") as ws:
        ready = receive(ws)
        assert ready["type"] == "stream.ready"
        assert ready["payload"]["stream"] == "call_center"
        job_id = uuid.uuid4()
        [event_id] = commit_events(app, clock, job_event(job_id, from_status="created", to_status="offered"))
        message = receive(ws)
    assert message["type"] == "job.status"
    assert message["version"] == 1
    assert message["event_id"] == event_id
    assert message["time"].startswith("2026-11-23T02:00:00")
    assert message["payload"]["job_id"] == str(job_id)
    assert message["payload"]["to_status"] == "offered"


def test_rolled_back_changes_are_never_streamed(
    client: TestClient, app: FastAPI, clock: FrozenClock, token_for: Callable[[str], str]
) -> None:
    from dispatch.events.service import record_event

    with client.websocket_connect(f"{CC}?token={token_for('agent')}") as ws:
        receive(ws)
        session: Session = app.state.session_factory()
        with session:
            record_event(session, actor="test", at=clock.now(), **job_event(to_status="offered"))
            session.rollback()
        [kept] = commit_events(app, clock, job_event(to_status="accepted"))
        assert receive(ws)["event_id"] == kept


def test_city_filter_keeps_other_cities_out(
    client: TestClient, app: FastAPI, clock: FrozenClock, token_for: Callable[[str], str]
) -> None:
    ningbo_job = uuid.uuid4()
    with client.websocket_connect(f"{CC}?token={token_for('agent')}&city={NINGBO}") as ws:
        receive(ws)
        ids = commit_events(
            app,
            clock,
            job_event(city=TAIZHOU, to_status="created"),
            job_event(ningbo_job, city=NINGBO, to_status="created"),
            # An event without a city still reaches the agent through its job.
            {"kind": "job.note", "job_id": ningbo_job, "data": {"text": "车主在服务区 / at the rest area"}},
        )
        got = receive_events(ws, 2)
    assert [m["event_id"] for m in got] == ids[1:]


def test_reconnect_with_last_event_id_replays_the_gap_then_goes_live(
    client: TestClient, app: FastAPI, clock: FrozenClock, token_for: Callable[[str], str]
) -> None:
    token = token_for("agent")
    with client.websocket_connect(f"{CC}?token={token}") as ws:
        receive(ws)
        [first] = commit_events(app, clock, job_event(to_status="created"))
        last_seen = receive(ws)["event_id"]
        assert last_seen == first
    missed = commit_events(app, clock, job_event(to_status="created"), job_event(to_status="offered"))
    with client.websocket_connect(f"{CC}?token={token}&last_event_id={last_seen}") as ws:
        replayed = [receive(ws), receive(ws)]
        ready = receive(ws)
        live = commit_events(app, clock, job_event(to_status="accepted"))
        after = receive(ws)
    assert [m["event_id"] for m in replayed] == missed
    assert ready["type"] == "stream.ready" and ready["payload"]["last_event_id"] == missed[-1]
    assert after["event_id"] == live[0]


def test_an_event_committed_during_replay_arrives_exactly_once(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    token_for: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The seam: an event both replayed and queued live is sent once."""
    import dispatch.events.streams as streams

    [before] = commit_events(app, clock, job_event(to_status="created"))
    real_read = streams._read_batch
    during: list[int] = []

    def read_after_a_commit(*args: Any) -> Any:
        if not during:
            during.extend(commit_events(app, clock, job_event(to_status="offered")))
        return real_read(*args)

    monkeypatch.setattr(streams, "_read_batch", read_after_a_commit)
    with client.websocket_connect(f"{CC}?token={token_for('agent')}&last_event_id={before - 1}") as ws:
        replayed = [receive(ws), receive(ws)]
        assert receive(ws)["type"] == "stream.ready"
        [live] = commit_events(app, clock, job_event(to_status="accepted"))
        assert receive(ws)["event_id"] == live  # not the queued duplicate of `during`
    assert [m["event_id"] for m in replayed] == [before, during[0]]


def test_token_can_come_as_the_first_message(
    client: TestClient, app: FastAPI, clock: FrozenClock, token_for: Callable[[str], str]
) -> None:
    with client.websocket_connect(CC) as ws:
        ws.send_json({"type": "auth", "token": token_for("agent")})
        assert receive(ws)["type"] == "stream.ready"


@pytest.mark.parametrize(
    "how", ["no_token", "garbage", "expired", "wrong_role", "bad_first_message", "technician_on_cc"]
)
def test_bad_tokens_close_with_policy_violation_before_any_data(
    client: TestClient, clock: FrozenClock, token_for: Callable[[str], str], how: str
) -> None:
    url = {
        "no_token": f"{TECH}",
        "garbage": f"{CC}?token=not-a-jwt",
        "expired": f"{CC}?token={token_for('agent')}",
        "wrong_role": f"{TECH}?token={token_for('agent')}",
        "bad_first_message": CC,
        "technician_on_cc": f"{CC}?token={token_for('tech001')}",
    }[how]
    if how == "expired":
        clock.advance(13 * 3600)
    with client.websocket_connect(url) as ws:
        if how == "no_token":
            ws.send_json({"type": "hello"})
        if how == "bad_first_message":
            ws.send_text("not json")
        code, before = close_code(ws)
    assert code == 1008
    assert before == []


def test_a_client_that_falls_behind_is_dropped_with_resume_and_can_catch_up(
    make_client: Callable[..., TestClient], clock: FrozenClock, token_for: Callable[[str], str]
) -> None:
    client = make_client(stream_queue_size=4)
    app = client.app
    assert isinstance(app, FastAPI)
    token = token_for("agent")
    with client.websocket_connect(f"{CC}?token={token}") as ws:
        receive(ws)
        # One commit publishes 20 events at once: more than the mailbox holds.
        burst = commit_events(app, clock, *[job_event(to_status="created") for _ in range(20)])
        code, got = close_code(ws)
    assert code == 4008
    assert len(got) < len(burst)
    last = got[-1]["event_id"] if got else burst[0] - 1
    with client.websocket_connect(f"{CC}?token={token}&last_event_id={last}") as ws:
        rest = receive_events(ws, len(burst) - len(got))
    assert [m["event_id"] for m in got + rest] == burst


def test_idle_connections_get_heartbeats(
    make_client: Callable[..., TestClient], token_for: Callable[[str], str]
) -> None:
    client = make_client(stream_heartbeat_s=0.05)
    with client.websocket_connect(f"{CC}?token={token_for('agent')}") as ws:
        receive(ws)
        beat = receive(ws)
    assert beat["type"] == "stream.heartbeat"
    assert beat["event_id"] is None


def _van_of(db: Session, username: str) -> int:
    from dispatch.auth.models import User

    user = db.exec(select(User).where(User.username == username)).one()
    technician = db.get(Technician, user.technician_id)
    assert technician is not None and technician.van_id is not None
    return technician.van_id


def test_technician_sees_own_offers_and_later_call_center_changes_only(
    client: TestClient, app: FastAPI, clock: FrozenClock, db: Session, token_for: Callable[[str], str]
) -> None:
    my_van = _van_of(db, "tech001")
    other_van = _van_of(db, "tech003")
    assert my_van != other_van
    my_job = uuid.uuid4()
    with client.websocket_connect(f"{TECH}?token={token_for('tech001')}") as ws:
        receive(ws)
        ids = commit_events(
            app,
            clock,
            job_event(to_status="offered", van_id=other_van),
            job_event(
                my_job,
                to_status="offered",
                van_id=my_van,
                data={"offer_expires_at": "2026-11-23T02:01:30+00:00"},
            ),
            job_event(to_status="created"),  # someone else's job, no van
            {"kind": "job.note", "job_id": my_job, "actor": "agent", "data": {"text": "车主电话已换"}},
            job_event(my_job, to_status="cancelled", from_status="accepted"),
        )
        got = receive_events(ws, 3)
    assert [m["event_id"] for m in got] == [ids[1], ids[3], ids[4]]
    assert got[0]["payload"]["data"]["offer_expires_at"] == "2026-11-23T02:01:30+00:00"


def test_technician_replay_covers_the_offers_missed(
    client: TestClient, app: FastAPI, clock: FrozenClock, db: Session, token_for: Callable[[str], str]
) -> None:
    my_van = _van_of(db, "tech001")
    [mark] = commit_events(app, clock, job_event(to_status="created"))
    missed = commit_events(
        app,
        clock,
        job_event(to_status="offered", van_id=my_van),
        job_event(to_status="offered", van_id=my_van + 1000),
    )
    with client.websocket_connect(f"{TECH}?token={token_for('tech001')}&last_event_id={mark}") as ws:
        first = receive(ws)
        assert receive(ws)["type"] == "stream.ready"
    assert first["event_id"] == missed[0]


def test_invalid_query_is_refused(client: TestClient, token_for: Callable[[str], str]) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(f"{CC}?token={token_for('agent')}&last_event_id=abc") as ws:
            receive(ws)
    assert refused.value.code == 1008


def test_technician_sees_plan_changes_that_name_their_van(
    client: TestClient, app: FastAPI, clock: FrozenClock, db: Session, token_for: Callable[[str], str]
) -> None:
    my_van = _van_of(db, "tech001")
    plan = {"kind": "plan.published", "plan_id": uuid.uuid4()}
    with client.websocket_connect(f"{TECH}?token={token_for('tech001')}") as ws:
        receive(ws)
        ids = commit_events(
            app,
            clock,
            {**plan, "data": {"vans": [{"van_id": my_van + 1000, "stops": 8}]}},
            {**plan, "data": {"vans": [{"van_id": my_van, "stops": 6}]}},
        )
        got = receive_events(ws, 1)
    assert got[0]["event_id"] == ids[1]
    assert got[0]["type"] == "plan.published"


def _declined_then_reassigned(job: uuid.UUID, my_van: int, other_van: int) -> list[dict[str, Any]]:
    """The events a job leaves when my van is offered it, declines, and another crew takes it on."""
    return [
        job_event(job, from_status="created", to_status="offered", van_id=my_van),
        job_event(
            job, from_status="offered", to_status="created", van_id=my_van, data={"answer": "declined"}
        ),
        job_event(job, from_status="created", to_status="offered", van_id=other_van),
        {"kind": "job.note", "job_id": job, "van_id": other_van, "data": {"text": "车主在服务区 B 口"}},
        {"kind": "job.note", "job_id": job, "actor": "agent", "data": {"text": "客户 VIP"}},
    ]


def test_a_technician_stops_getting_a_job_once_their_crew_declined_it(
    client: TestClient, app: FastAPI, clock: FrozenClock, db: Session, token_for: Callable[[str], str]
) -> None:
    my_van, other_van = _van_of(db, "tech001"), _van_of(db, "tech003")
    job = uuid.uuid4()
    with client.websocket_connect(f"{TECH}?token={token_for('tech001')}") as ws:
        receive(ws)
        ids = commit_events(app, clock, *_declined_then_reassigned(job, my_van, other_van))
        [marker] = commit_events(app, clock, job_event(to_status="offered", van_id=my_van))
        got = receive_events(ws, 3)
    assert [m["event_id"] for m in got] == [ids[0], ids[1], marker]

    # Replaying from before the offer applies the same rule.
    with client.websocket_connect(f"{TECH}?token={token_for('tech001')}&last_event_id={ids[0] - 1}") as ws:
        replayed = receive_events(ws, 3)
    assert [m["event_id"] for m in replayed] == [ids[0], ids[1], marker]
