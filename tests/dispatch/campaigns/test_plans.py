"""Day plans: build, publish, re-plan with locked visits, and what the planner is shown."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from dispatch.auth.models import User
from dispatch.campaigns import bookings as booking_service
from dispatch.campaigns import plans
from dispatch.campaigns.models import Booking, PlanStatus, PlanVisit, RoutePlan, VisitStatus
from dispatch.clock import FrozenClock
from dispatch.errors import IllegalTransition
from dispatch.events.models import Event
from dispatch.fleet.models import Technician
from dispatch.settings import Settings
from tests.dispatch.campaigns.conftest import DAY_1, CampaignFactory, book, gathering_points, local

Auth = Callable[[str], dict[str, str]]
HOURS = (9, 9, 11, 13, 13, 15)


def _booked_day(client: TestClient, auth: Auth, create_campaign: CampaignFactory) -> dict[str, Any]:
    campaign = create_campaign()
    points = gathering_points()
    for n, hour in enumerate(HOURS):
        point = points[n % len(points)]
        response = book(client, auth("agent"), campaign["id"], hour=hour, lat=point["lat"], lon=point["lon"])
        assert response.status_code == 201, response.text
    return campaign


def _plan(client: TestClient, auth: Auth, campaign: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        f"/api/planner/campaigns/{campaign['id']}/days/{DAY_1.isoformat()}/plans",
        json={"time_limit_s": 1},
        headers=auth("planner"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _publish(client: TestClient, auth: Auth, plan: dict[str, Any]) -> Any:
    return client.post(f"/api/planner/plans/{plan['id']}/publish", headers=auth("planner"))


def _crew_marks(
    client: TestClient,
    auth: Auth,
    clock: FrozenClock,
    db: Session,
    van_id: int,
    booking_id: str,
    status: str,
) -> dict[str, Any]:
    """The van's crew, on the service day, finds the booking's stop in today's plan and moves it."""
    before = clock.now()
    clock.set(local(DAY_1, 9))
    username = db.exec(
        select(User.username)
        .join(Technician, col(Technician.id) == col(User.technician_id))
        .where(Technician.van_id == van_id)
        .order_by(col(User.id))
    ).first()
    assert username is not None
    stops = client.get("/api/field/plan/today", headers=auth(username)).json()["stops"]
    stop = next(s for s in stops if s["booking_id"] == booking_id)
    response = client.post(
        f"/api/field/visits/{stop['visit_id']}/status",
        json={"status": status, "reason": "车主不在家 / owner not at home"},
        headers=auth(username),
    )
    clock.set(before)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_plan_then_publish_gives_owners_an_arrival_window(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    draft = _plan(client, auth, campaign)
    assert draft["status"] == "draft" and draft["served"] == len(HOURS) and draft["dropped"] == []
    assert draft["total_km"] > 0 and all(v["plate"] for v in draft["vans"])
    # What a planner calls on (issue 15): the crew of each van, and who and where each stop is.
    assert all(v["crew"] and all(m["name"] and m["phone"] for m in v["crew"]) for v in draft["vans"])
    stops = [s for v in draft["vans"] for s in v["visits"] if s["booking_id"]]
    assert stops and all(s["owner_name"] and s["phone"] for s in stops)
    # the planner says where its search started (VROOM understands the crews' lunch) and why it stopped
    assert draft["changes"]["search"]["seed"] == "vroom"
    assert draft["changes"]["search"]["stop_reason"] in {"stagnation", "time_limit", "local_optimum"}
    bookings = client.get(f"/api/planner/campaigns/{campaign['id']}/bookings", headers=auth("agent")).json()
    assert all(b["planned_arrival_at"] is None for b in bookings)

    published = _publish(client, auth, draft)
    assert published.status_code == 200, published.text
    bookings = client.get(f"/api/planner/campaigns/{campaign['id']}/bookings", headers=auth("agent")).json()
    for booking in bookings:
        window = booking["arrival_window"]
        assert booking["planned_arrival_at"] is not None
        assert booking["window"]["start"] <= window["start"] <= window["end"] <= booking["window"]["end"]
    events = db.exec(
        select(Event).where(Event.plan_id == uuid.UUID(draft["id"]), Event.kind == "plan.published")
    )
    assert len(events.all()) == 1
    again = _publish(client, auth, draft)
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"


def test_stale_plan_cannot_be_published(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    draft = _plan(client, auth, campaign)
    point = gathering_points()[0]
    assert (
        book(client, auth("agent"), campaign["id"], hour=11, lat=point["lat"], lon=point["lon"]).status_code
        == 201
    )
    stale = _publish(client, auth, draft)
    assert stale.status_code == 409 and "re-plan" in stale.json()["error"]["message"]


def test_replan_keeps_done_visits_locked_and_shows_what_moved(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session, clock: FrozenClock
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    first = _plan(client, auth, campaign)
    assert _publish(client, auth, first).status_code == 200
    van = next(v for v in first["vans"] if v["visits"])
    done = van["visits"][0]
    # The crew finishes the first visit from their tablet.
    _crew_marks(client, auth, clock, db, van["van_id"], done["booking_id"], "completed")
    locked = client.post(f"/api/planner/bookings/{done['booking_id']}/cancel", headers=auth("agent"))
    assert locked.status_code == 409

    cancelled = next(v for v in van["visits"][1:])["booking_id"]
    assert client.post(f"/api/planner/bookings/{cancelled}/cancel", headers=auth("agent")).status_code == 200
    point = gathering_points()[2]
    added = book(client, auth("agent"), campaign["id"], hour=13, lat=point["lat"], lon=point["lon"]).json()

    second = _plan(client, auth, campaign)
    changes = second["changes"]
    assert changes["search"]["seed"] == "given"  # the re-plan starts from the published routes
    assert changes["removed"] == [_reference(db, cancelled)]
    assert changes["added"] == [added["reference"]]
    # What moved is stored with the plan, not only said once in the response that built it.
    stored = client.get(f"/api/planner/plans/{second['id']}", headers=auth("planner")).json()
    assert stored["changes"] == changes
    again = next(v for v in second["vans"] if v["van_id"] == van["van_id"])
    assert again["visits"][0]["booking_id"] == done["booking_id"]
    assert again["visits"][0]["status"] == "completed"
    assert db.exec(
        select(Event).where(Event.plan_id == uuid.UUID(second["id"]), Event.kind == "plan.replanned")
    ).all()

    assert _publish(client, auth, second).status_code == 200
    statuses = {
        p.version: p.status
        for p in db.exec(select(RoutePlan).where(RoutePlan.campaign_id == uuid.UUID(campaign["id"])))
    }
    assert statuses == {1: PlanStatus.SUPERSEDED, 2: PlanStatus.PUBLISHED}
    versions = client.get(
        f"/api/planner/campaigns/{campaign['id']}/days/{DAY_1.isoformat()}/plans", headers=auth("planner")
    ).json()
    assert [p["version"] for p in versions] == [1, 2]


def test_publishing_a_replan_keeps_what_the_crew_marked_after_it_was_built(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session, clock: FrozenClock
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    first = _plan(client, auth, campaign)
    assert _publish(client, auth, first).status_code == 200
    second = _plan(client, auth, campaign)  # a re-plan, built before the crew got going
    van = next(v for v in first["vans"] if len(v["visits"]) >= 2)
    started, skipped = van["visits"][0], van["visits"][1]
    _crew_marks(client, auth, clock, db, van["van_id"], started["booking_id"], "in_progress")
    _crew_marks(client, auth, clock, db, van["van_id"], skipped["booking_id"], "skipped")

    assert _publish(client, auth, second).status_code == 200
    shown = client.get(f"/api/planner/plans/{second['id']}", headers=auth("planner")).json()
    statuses = {s["booking_id"]: s["status"] for v in shown["vans"] for s in v["visits"]}
    assert statuses[started["booking_id"]] == "in_progress"
    assert statuses.get(skipped["booking_id"], "skipped") == "skipped"
    # ... and the visit under way is what locks the next re-plan.
    third = _plan(client, auth, campaign)
    again = next(v for v in third["vans"] if v["van_id"] == van["van_id"])
    assert again["visits"][0]["booking_id"] == started["booking_id"]
    assert again["visits"][0]["status"] == "in_progress"
    assert skipped["booking_id"] not in {s["booking_id"] for v in third["vans"] for s in v["visits"]}


def test_a_replan_that_gave_a_started_visit_to_another_van_cannot_be_published(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session, clock: FrozenClock
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    first = _plan(client, auth, campaign)
    assert _publish(client, auth, first).status_code == 200
    second = _plan(client, auth, campaign)
    van = next(v for v in first["vans"] if v["visits"])
    other_van = next(v["van_id"] for v in first["vans"] if v["van_id"] != van["van_id"])
    started = van["visits"][0]
    # What the solver may do to a visit it did not know had started: hand it to another van.
    row = db.exec(
        select(PlanVisit).where(
            PlanVisit.plan_id == uuid.UUID(second["id"]),
            PlanVisit.booking_id == uuid.UUID(started["booking_id"]),
        )
    ).one()
    row.van_id = other_van
    db.add(row)
    db.commit()
    _crew_marks(client, auth, clock, db, van["van_id"], started["booking_id"], "in_progress")
    refused = _publish(client, auth, second)
    assert refused.status_code == 409
    assert " / " in refused.json()["error"]["message"]
    assert refused.json()["error"]["details"]["visits"][0]["booking_id"] == started["booking_id"]


def test_a_booking_moved_within_the_day_is_planned_again_not_carried_over_as_skipped(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    first = _plan(client, auth, campaign)
    assert _publish(client, auth, first).status_code == 200
    moved = next(v for van in first["vans"] for v in van["visits"] if v["booking_id"])
    response = client.post(
        f"/api/planner/bookings/{moved['booking_id']}/reschedule",
        json={"service_date": DAY_1.isoformat(), "window_start": local(DAY_1, 15).isoformat()},
        headers=auth("agent"),
    )
    assert response.status_code == 200, response.text
    second = _plan(client, auth, campaign)
    assert _publish(client, auth, second).status_code == 200
    shown = client.get(f"/api/planner/plans/{second['id']}", headers=auth("planner")).json()
    statuses = {s["booking_id"]: s["status"] for v in shown["vans"] for s in v["visits"]}
    assert statuses[moved["booking_id"]] == "planned"


def test_unreachable_booking_is_reported_with_a_reason(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session
) -> None:
    campaign = create_campaign()
    response = book(
        client, auth("agent"), campaign["id"], hour=9, service_code="ev_check", lat=29.29, lon=121.42
    )
    booking_id = response.json()["id"]
    # Moved behind the API's back to 18:00-18:30 local: no van could get there and still be home by 19:00.
    booking = db.get(Booking, uuid.UUID(booking_id))
    assert booking is not None
    booking.window_start = booking.window_start.replace(hour=10)
    booking.window_end = booking.window_end.replace(hour=10, minute=30)
    db.add(booking)
    db.commit()
    plan = _plan(client, auth, campaign)
    assert plan["served"] == 0
    assert [d["booking_id"] for d in plan["dropped"]] == [booking_id]
    assert plan["dropped"][0]["reason"] == "window_unreachable" and " / " in plan["dropped"][0]["message"]


def _reference(db: Session, booking_id: str) -> str:
    booking = db.exec(select(Booking).where(col(Booking.id) == uuid.UUID(booking_id))).one()
    return booking.reference


def test_a_plan_built_at_the_same_moment_as_another_takes_the_next_version(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    assert _plan(client, auth, campaign)["version"] == 1
    # The second planner read the latest version just before the first one's insert landed.
    real_latest = plans._latest_version
    reads: list[int] = []

    def stale_once(session: Session, campaign_id: uuid.UUID, service_date: date) -> int:
        reads.append(1)
        return 0 if len(reads) == 1 else real_latest(session, campaign_id, service_date)

    monkeypatch.setattr(plans, "_latest_version", stale_once)
    second = _plan(client, auth, campaign)
    assert second["version"] == 2 and len(reads) == 2
    listed = client.get(
        f"/api/planner/campaigns/{campaign['id']}/days/{DAY_1.isoformat()}/plans", headers=auth("planner")
    )
    assert listed.status_code == 200, listed.text
    assert sorted(p["version"] for p in listed.json()) == [1, 2]


def _plan_with(client: TestClient, auth: Auth, campaign: dict[str, Any], **ask: Any) -> Any:
    return client.post(
        f"/api/planner/campaigns/{campaign['id']}/days/{DAY_1.isoformat()}/plans",
        json={"time_limit_s": 1, **ask},
        headers=auth("planner"),
    )


def test_the_planner_can_limit_the_vans_sent_out(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    assert len(campaign["vans"]) >= 2, "the scenario needs a choice of vans"
    response = _plan_with(client, auth, campaign, max_vans=1)
    assert response.status_code == 201, response.text
    plan = response.json()
    assert sum(1 for van in plan["vans"] if van["visits"]) <= 1
    assert plan["served"] + len(plan["dropped"]) == len(HOURS)
    assert plan["changes"]["objective"] == {"max_vans": 1, "max_overtime_minutes": 0}
    assert plan["changes"]["violations"] == []


def test_overtime_allowed_is_recorded_and_unused_when_the_day_fits(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = _booked_day(client, auth, create_campaign)
    response = _plan_with(client, auth, campaign, max_overtime_minutes=60)
    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["served"] == len(HOURS)
    assert plan["changes"]["objective"]["max_overtime_minutes"] == 60
    assert all(van["overtime_h"] == 0 for van in plan["vans"]), "overtime costs more than it saves here"


@pytest.mark.parametrize(
    ("ask", "field"),
    [({"max_vans": 0}, "max_vans"), ({"max_overtime_minutes": 600}, "max_overtime_minutes"),
     ({"max_overtime_minutes": -5}, "max_overtime_minutes")],
)  # fmt: skip
def test_a_nonsense_objective_is_a_422_naming_the_field(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, ask: dict[str, int], field: str
) -> None:
    campaign = create_campaign()
    response = _plan_with(client, auth, campaign, **ask)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_a_crew_starting_the_visit_while_the_booking_is_being_cancelled_wins(
    client: TestClient,
    auth: Auth,
    create_campaign: CampaignFactory,
    db: Session,
    settings: Settings,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cancel checks the visit is not started, then marks it skipped: a start landing in between (the
    crew's tablet, another transaction) must not be overwritten; the cancel is refused instead."""
    campaign = _booked_day(client, auth, create_campaign)
    published = _plan(client, auth, campaign)
    assert _publish(client, auth, published).status_code == 200
    stop = next(s for v in published["vans"] for s in v["visits"] if s["booking_id"])
    booking = db.get(Booking, uuid.UUID(stop["booking_id"]))
    assert booking is not None
    visit = db.exec(
        select(PlanVisit).where(
            PlanVisit.plan_id == uuid.UUID(published["id"]), PlanVisit.booking_id == booking.id
        )
    ).one()

    def crew_starts_meanwhile(session: Session, day_id: int) -> None:
        session.execute(
            update(PlanVisit)
            .where(col(PlanVisit.id) == visit.id)
            .values(status=VisitStatus.IN_PROGRESS.value)
            .execution_options(synchronize_session=False)
        )

    monkeypatch.setattr(booking_service, "release_day", crew_starts_meanwhile)
    with pytest.raises(IllegalTransition):
        booking_service.cancel_booking(
            session=db, settings=settings, booking=booking, actor="agent", now=clock.now()
        )
    status = (
        db.connection().execute(select(PlanVisit.status).where(col(PlanVisit.id) == visit.id)).scalar_one()
    )
    assert status == VisitStatus.IN_PROGRESS
