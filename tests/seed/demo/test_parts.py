"""The simulator's pieces on their own: the scaled clock, call arrivals, drives, command-line values."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from dispatch.clock import ScaledClock, SystemClock, clock_for
from dispatch.settings import Settings
from routing.geodesy import geodesic_km
from seed.demo.arrivals import SHANGHAI, CallArrivals
from seed.demo.roads import Drive
from seed.demo.runner import parse_duration_s, parse_rate_per_hour
from seed.world import build_world

START = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # 07:00 in Shanghai


def test_scaled_clock_runs_speed_times_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    wall = [1_000_000.0]
    monkeypatch.setattr("dispatch.clock.time.time", lambda: wall[0])
    clock = ScaledClock(start=START, anchor_unix_s=1_000_000.0, speed=60)
    assert clock.now() == START
    wall[0] += 10
    assert clock.now() == START + timedelta(minutes=10)
    assert clock.real_seconds(600) == 10


# Production wants 32 random bytes (issue 16), so the clock check is what refuses this one.
STRONG_KEY = secrets.token_urlsafe(32)


def test_settings_choose_the_clock_and_production_refuses_simulated_time() -> None:
    assert isinstance(clock_for(Settings(secret_key="k" * 40)), SystemClock)
    scaled = clock_for(
        Settings(secret_key="k" * 40, clock_speed=10, clock_start=START, clock_anchor_unix_s=5.0)
    )
    assert isinstance(scaled, ScaledClock) and scaled.start == START and scaled.speed == 10
    with pytest.raises(ValidationError, match="DISPATCH_CLOCK_SPEED"):
        Settings(environment="production", secret_key=STRONG_KEY, clock_speed=10)


def _calls(seed: int, n: int, rate: float = 6.0) -> list[dict[str, object]]:
    arrivals = CallArrivals(owners=build_world("small").owners, rate_per_hour=rate, start=START, seed=seed)
    return [{"at": c.at, **c.body} for c, _ in zip(arrivals, range(n), strict=False)]


def test_the_same_seed_gives_the_same_calls() -> None:
    assert _calls(3, 40) == _calls(3, 40)
    assert _calls(3, 40) != _calls(4, 40)


def test_calls_come_more_by_day_than_by_night_in_every_datum() -> None:
    calls = _calls(5, 2000, rate=20)
    hours = [c["at"].astimezone(SHANGHAI).hour for c in calls]  # type: ignore[attr-defined]
    day = sum(1 for h in hours if 8 <= h < 12)
    night = sum(1 for h in hours if 0 <= h < 4)
    assert day > 3 * night > 0
    datums = {c["location"].get("datum", "address") for c in calls}  # type: ignore[attr-defined]
    assert datums == {"wgs84", "gcj02", "bd09", "address"}
    assert {c["fault_category"] for c in calls} >= {"flat_tyre", "battery", "accident", "needs_tow"}
    assert 0 < sum(1 for c in calls if not c["auto_dispatch"]) < len(calls) / 4


def test_a_drive_bends_like_a_road_and_ends_where_it_should() -> None:
    start, end = (29.87, 121.55), (29.29, 121.43)
    drive = Drive.between(start, end, random.Random(1))
    straight = geodesic_km(*start, *end)
    assert straight < drive.distance_km < 2 * straight
    assert drive.at(0) == start and drive.at(drive.duration_s + 1) == end
    assert 20 < drive.speed_kmh < 90


def test_command_line_durations_and_rates() -> None:
    assert parse_duration_s("10m") == 600 and parse_duration_s("2h") == 7200 and parse_duration_s("90") == 90
    assert parse_rate_per_hour("6/h") == 6 and parse_rate_per_hour("2/min") == 120
    with pytest.raises(ValueError):
        parse_rate_per_hour("fast")
