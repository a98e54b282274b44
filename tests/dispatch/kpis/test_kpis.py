"""KPIs on a scripted day, checked against figures worked out by hand from the script."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.fleet.models import Van
from dispatch.followups.escalations import acknowledge, close
from dispatch.followups.hooks import install_after_sales_hooks
from dispatch.followups.models import CallOutcome, Escalation, FollowUpTask
from dispatch.followups.scores import Scores
from dispatch.followups.survey import answer_survey
from dispatch.followups.tasks import record_call
from dispatch.jobs.models import JobOffer, JobStatus, OfferStatus, RescueJob
from dispatch.jobs.offers import decline_offer
from dispatch.kpis.figures import percentile
from dispatch.settings import Settings
from dispatch.tracking.models import TrackingLink
from tests.dispatch.campaigns.conftest import SHANGHAI
from tests.dispatch.jobs import conftest as job_fixtures
from tests.dispatch.jobs.conftest import NINGBO_DAY_EV_TOW, NINGBO_DAY_TOW, ScriptedPicker
from tests.dispatch.notifications.journey import accept, call_in, move, offer

van_id = job_fixtures.van_id
_fresh_fleet_snapshot = job_fixtures._fresh_fleet_snapshot
Auth = Callable[[str], dict[str, str]]
DAY = datetime(2026, 11, 23, tzinfo=SHANGHAI)
# A city code of the script's own, so jobs other tests commit for real on the same day never count.
CITY = "339901"


@pytest.fixture(autouse=True)
def _hooks() -> None:
    install_after_sales_hooks()


def at(hour: int, minute: float = 0, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hour, minutes=minute)


def _script(db: Session, van_a: int, van_b: int, settings: Settings) -> dict[str, RescueJob]:
    """Three calls on 23 November (plus one the day before, outside the period)."""
    # A: offered +2, accepted +3 promising 20 min (due +23), arrives +25 (late), repaired on site.
    a = call_in(db, at(10), city_adcode=CITY)
    accept(db, offer(db, a, van_a, at(10, 2)), van_a, at(10, 3), eta_s=20 * 60)
    move(db, a, JobStatus.EN_ROUTE, at(10, 4))
    move(db, a, JobStatus.ON_SITE, at(10, 25))
    move(db, a, JobStatus.IN_SERVICE, at(10, 26))
    move(db, a, JobStatus.COMPLETED, at(11), repaired_on_site=True)
    # B: offered +1, declined +2 (cascades to van B), accepted +3 promising 30 min (due +33),
    # arrives +30, towed.
    b = call_in(db, at(11), city_adcode=CITY)
    first = offer(db, b, van_a, at(11, 1))
    assert first.id is not None
    decline_offer(
        session=db, offer_id=first.id, van_id=van_a, actor="tech", now=at(11, 2), reason="爆胎",
        settings=settings, picker=ScriptedPicker([van_b]),
    )  # fmt: skip
    second = db.exec(
        select(JobOffer).where(JobOffer.job_id == b.id, JobOffer.status == OfferStatus.PENDING)
    ).one()
    accept(db, second, van_b, at(11, 3), eta_s=30 * 60)
    move(db, b, JobStatus.EN_ROUTE, at(11, 5))
    move(db, b, JobStatus.ON_SITE, at(11, 30))
    move(db, b, JobStatus.IN_SERVICE, at(11, 31))
    move(db, b, JobStatus.TOWED, at(12, 10), towed_to_station_id=db.get(Van, van_b).station_id)  # type: ignore[union-attr]
    # C: nobody within reach, then cancelled.
    c = call_in(db, at(12), city_adcode=CITY)
    move(db, c, JobStatus.UNCOVERED, at(12, 1))
    move(db, c, JobStatus.CANCELLED, at(12, 20), closed_reason="车主自行处理")
    # The day before: outside the period.
    before = call_in(db, at(9, day=-1), city_adcode=CITY)
    move(db, before, JobStatus.UNCOVERED, at(9, 1, day=-1))
    db.flush()
    return {"a": a, "b": b, "c": c}


def _scores(db: Session, jobs: dict[str, RescueJob]) -> None:
    """Next day: A's call (5, 10), B's call (4, 9), A's owner survey (2, 3) -> one escalation, handled."""
    for key, csat, nps in (("a", 5, 10), ("b", 4, 9)):
        task = db.exec(
            select(FollowUpTask).where(FollowUpTask.job_id == jobs[key].id, FollowUpTask.step == "24h")
        ).one()
        record_call(
            session=db, task=task, outcome=CallOutcome.REACHED, scores=Scores(csat=csat, nps=nps),
            call_back_at=None, actor="agent", now=at(15, day=1),
        )  # fmt: skip
    link = db.exec(select(TrackingLink).where(TrackingLink.job_id == jobs["a"].id)).one()
    answer_survey(session=db, link=link, scores=Scores(csat=2, nps=3), now=at(9, day=1))
    escalation = db.exec(select(Escalation)).one()
    acknowledge(session=db, escalation=escalation, actor="manager", now=at(9, 30, day=1))
    close(session=db, escalation=escalation, note="已回电致歉", actor="manager", now=at(17, day=1))
    db.flush()


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([1, 2], 50) == 1 and percentile([1, 2], 90) == 2
    assert percentile([5, 1, 4, 2, 3], 50) == 3 and percentile([], 50) is None


def test_kpis_of_a_scripted_day_match_the_hand_count(
    db: Session, van_id: Callable[[str], int], settings: Settings, client: TestClient, auth: Auth
) -> None:
    van_a, van_b = van_id(NINGBO_DAY_TOW), van_id(NINGBO_DAY_EV_TOW)
    jobs = _script(db, van_a, van_b, settings)
    _scores(db, jobs)
    response = client.get(f"/api/kpis?from=2026-11-23&to=2026-11-24&city={CITY}", headers=auth("agent"))
    assert response.status_code == 200
    figures: dict[str, Any] = response.json()
    rescue = figures["total"]["rescue"]
    assert rescue == {
        "jobs": 3,
        "call_to_dispatch_min": {"p50": 1.0, "p90": 2.0, "count": 2},  # B 1, A 2
        "call_to_arrival_min": {"p50": 25.0, "p90": 30.0, "count": 2},  # A 25, B 30
        "waiting_min": {"p50": 22.0, "p90": 27.0, "count": 2},  # A 25-3, B 30-3
        "arrived_within_target_share": 1.0,  # both within 30 min
        "on_time_share": 0.5,  # A late (25 > 23), B on time (30 <= 33)
        "offers_declined": 1,
        "offers_expired": 0,
        "first_time_fix_rate": 0.5,  # A completed, B towed; C cancelled does not count
        "jobs_uncovered": 1,  # C (the day before is outside the period)
    }
    assert figures["total"]["satisfaction"] == {
        "csat_responses": 3,
        "csat_share": 0.6667,  # 5 and 4 of 5, 4, 2
        "nps_responses": 3,
        "nps": 33.3,  # promoters 10, 9; detractor 3: (2 - 1) / 3
    }
    assert figures["total"]["escalations"] == {
        "opened": 1,
        "acknowledged_within_1h": 1,
        "acknowledged_within_1h_share": 1.0,
        "closed": 1,
    }
    station_a = db.get(Van, van_a).station_id  # type: ignore[union-attr]
    station_b = db.get(Van, van_b).station_id  # type: ignore[union-attr]
    by_station = {(g["city_adcode"], g["station_id"]): g["rescue"]["jobs"] for g in figures["groups"]}
    expected: dict[tuple[str, int | None], int] = {(CITY, None): 1}
    for station in (station_a, station_b):
        expected[(CITY, station)] = expected.get((CITY, station), 0) + 1
    assert by_station == expected

    only_a = client.get(
        f"/api/kpis?from=2026-11-23&to=2026-11-24&city={CITY}&station_id={station_a}", headers=auth("agent")
    ).json()
    assert only_a["total"]["satisfaction"]["csat_responses"] == (3 if station_a == station_b else 2)

    first_day = client.get(
        f"/api/kpis?from=2026-11-23&to=2026-11-23&city={CITY}", headers=auth("agent")
    ).json()
    assert first_day["total"]["rescue"]["jobs"] == 3
    assert first_day["total"]["satisfaction"]["csat_responses"] == 0  # the calls were on the 24th


def test_the_csv_has_a_row_per_group_and_a_total(
    db: Session, van_id: Callable[[str], int], settings: Settings, client: TestClient, auth: Auth
) -> None:
    _script(db, van_id(NINGBO_DAY_TOW), van_id(NINGBO_DAY_EV_TOW), settings)
    response = client.get(
        "/api/kpis.csv?from=2026-11-23&to=2026-11-23&group_by=city", headers=auth("planner")
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["scope"], r["city_adcode"], r["jobs"]) for r in rows] == [
        ("group", CITY, "3"),
        ("total", "", "3"),
    ]
    assert rows[-1]["on_time_share"] == "0.5" and rows[-1]["call_to_arrival_p90_min"] == "30.0"


def test_bad_periods_are_422_naming_the_field(client: TestClient, auth: Auth) -> None:
    backwards = client.get("/api/kpis?from=2026-11-24&to=2026-11-23", headers=auth("agent"))
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "to"
    missing = client.get("/api/kpis?to=2026-11-23", headers=auth("agent"))
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "from"
    assert client.get("/api/kpis?from=2026-11-23&to=2026-11-24", headers=auth("tech001")).status_code == 403
