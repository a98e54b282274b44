"""Matching: radius, night shifts, capabilities, busy and free-soon vans, GPS vs station, ranking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from dispatch.clock import FrozenClock
from dispatch.fleet.models import Van, VanStatus
from dispatch.jobs.matching import Exclusion, required_capabilities, search_candidates
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.settings import Settings
from tests.dispatch.jobs.conftest import (
    NINGBO,
    NINGBO_DAY_EV_TOW,
    NINGBO_DAY_TOW,
    NINGBO_NIGHT_TOW,
    TAIZHOU_DAY_EV_TOW,
)

VanIds = Callable[[str], int]


def plates(search: object) -> list[str]:
    return [c.plate for c in search.candidates]  # type: ignore[attr-defined]


def test_day_vans_within_150_km_are_ranked_by_eta(
    db: Session, make_job: Callable[..., RescueJob], clock: FrozenClock, settings: Settings
) -> None:
    search = search_candidates(session=db, job=make_job(), now=clock.now(), settings=settings, explain=True)
    ranked = plates(search)
    assert set(ranked) == {NINGBO_DAY_EV_TOW, NINGBO_DAY_TOW, "浙BT8331", TAIZHOU_DAY_EV_TOW}
    assert ranked[-1] == TAIZHOU_DAY_EV_TOW, "the Taizhou van is ~130 km away"
    assert [c.eta_s for c in search.candidates] == sorted(c.eta_s for c in search.candidates)
    assert all(c.starts_from == "station" and c.available_now for c in search.candidates)
    taizhou = search.candidates[-1]
    assert 120 < taizhou.home_station_km < 150 and taizhou.distance_km > taizhou.home_station_km
    excluded = {e.plate: e.reasons for e in search.excluded}
    assert excluded[NINGBO_NIGHT_TOW] == (Exclusion.OFF_SHIFT,)
    assert search.excluded_counts[Exclusion.OFF_SHIFT] == 2


def test_night_shifts_cross_midnight(
    db: Session, make_job: Callable[..., RescueJob], settings: Settings
) -> None:
    for local_hour in (22, 3):  # 22:00 and 03:00 in Shanghai
        now = datetime(2026, 11, 23, local_hour, 0, tzinfo=UTC) - timedelta(hours=8)
        search = search_candidates(session=db, job=make_job(), now=now, settings=settings)
        assert NINGBO_NIGHT_TOW in plates(search)
        assert NINGBO_DAY_TOW not in plates(search)


def test_capabilities_follow_the_fault(
    db: Session, make_job: Callable[..., RescueJob], clock: FrozenClock, settings: Settings
) -> None:
    assert required_capabilities("needs_tow", "ice") == {"tow"}
    assert required_capabilities("battery", "ev") == {"light_repair", "ev"}
    assert required_capabilities("battery", "hybrid") == {"light_repair"}
    job = make_job(fault_category="battery", powertrain="ev")
    search = search_candidates(session=db, job=job, now=clock.now(), settings=settings, explain=True)
    assert NINGBO_DAY_TOW not in plates(search)
    reasons = {e.plate: e.reasons for e in search.excluded}
    assert reasons[NINGBO_DAY_TOW] == (Exclusion.LACKS_CAPABILITY,)


def test_busy_vans_are_left_out_and_vans_about_to_finish_are_ranked_later(
    db: Session,
    make_job: Callable[..., RescueJob],
    van_id: VanIds,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    en_route = make_job(status=JobStatus.EN_ROUTE)
    almost_done = make_job(status=JobStatus.IN_SERVICE, updated_at=clock.now() - timedelta(minutes=20))
    for plate, current in ((NINGBO_DAY_TOW, en_route), (NINGBO_DAY_EV_TOW, almost_done)):
        van = db.get(Van, van_id(plate))
        assert van is not None
        van.current_job_id, van.status = current.id, VanStatus.BUSY
        db.add(van)
    db.flush()
    search = search_candidates(session=db, job=make_job(), now=clock.now(), settings=settings, explain=True)
    assert {e.plate: e.reasons for e in search.excluded}[NINGBO_DAY_TOW] == (Exclusion.BUSY,)
    soon = next(c for c in search.candidates if c.plate == NINGBO_DAY_EV_TOW)
    assert not soon.available_now and soon.starts_from == "current_job"
    assert soon.busy_for_s == 10 * 60, "a flat tyre takes 30 min; 20 min are done"
    assert soon.eta_s >= soon.busy_for_s
    assert NINGBO_DAY_EV_TOW not in [t.van_id for t in search.offer_targets()]


def test_a_fresh_gps_fix_beats_the_home_station(
    db: Session,
    make_job: Callable[..., RescueJob],
    van_id: VanIds,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    taizhou = db.get(Van, van_id(TAIZHOU_DAY_EV_TOW))
    assert taizhou is not None
    taizhou.last_lat, taizhou.last_lon = NINGBO[0] + 0.01, NINGBO[1]
    taizhou.last_position_at = clock.now() - timedelta(minutes=5)
    db.add(taizhou)
    db.flush()
    search = search_candidates(session=db, job=make_job(), now=clock.now(), settings=settings)
    first = search.candidates[0]
    assert (first.plate, first.starts_from) == (TAIZHOU_DAY_EV_TOW, "gps")
    assert first.distance_km < 2
    # A stale fix is ignored.
    taizhou.last_position_at = clock.now() - timedelta(hours=3)
    db.add(taizhou)
    db.flush()
    search = search_candidates(session=db, job=make_job(), now=clock.now(), settings=settings)
    assert search.candidates[-1].plate == TAIZHOU_DAY_EV_TOW


def test_vans_out_of_service_are_left_out(
    db: Session,
    make_job: Callable[..., RescueJob],
    van_id: VanIds,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    van = db.get(Van, van_id(NINGBO_DAY_TOW))
    assert van is not None
    van.status = VanStatus.OUT_OF_SERVICE
    db.add(van)
    db.flush()
    search = search_candidates(session=db, job=make_job(), now=clock.now(), settings=settings, explain=True)
    assert {e.plate: e.reasons for e in search.excluded}[NINGBO_DAY_TOW] == (Exclusion.OUT_OF_SERVICE,)
