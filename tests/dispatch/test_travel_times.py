"""One travel model: road answers when the service works, the estimate (and says so) when it fails, cached."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dispatch.settings import Settings
from dispatch.travel_times import EtaKind, TravelModel, estimate_provider, travel_model
from routing.geodesy import Location
from routing.osrm import OsrmTravelTimes
from tests.dispatch.fake_osrm import FakeOsrm, fake_osrm

NINGBO = Location(29.8683, 121.5440)
NINGHAI = Location(29.2904, 121.4250)
XIANGSHAN = Location(29.4769, 121.8694)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[FakeOsrm]:
    with fake_osrm() as running:
        yield running


def _model(server: FakeOsrm, clock: Clock, settings: Settings, **options: float) -> TravelModel:
    return TravelModel(
        estimate=estimate_provider(settings),
        road=OsrmTravelTimes(server.base_url, timeout_s=2.0),
        monotonic=clock,
        **options,  # type: ignore[arg-type]
    )


def test_road_answers_are_cached_and_a_failure_falls_back_to_a_labelled_estimate(
    server: FakeOsrm, settings: Settings
) -> None:
    clock = Clock()
    model = _model(server, clock, settings, retry_after_s=30.0, cache_ttl_s=600.0)
    drive = model(NINGBO, NINGHAI)
    assert (drive.kind, drive.duration_s, drive.distance_km) == (EtaKind.ROAD, 777.0, 9.9)
    assert model(NINGBO, NINGHAI) == drive and server.requests == 1, "the second answer came from the cache"

    server.failing = True
    fallback = model(NINGBO, XIANGSHAN)
    estimate = estimate_provider(settings).matrix([NINGBO], [XIANGSHAN])
    assert fallback.kind is EtaKind.ESTIMATE
    assert fallback.duration_s == pytest.approx(float(estimate.duration_s[0, 0]))
    assert model(NINGBO, NINGHAI).kind is EtaKind.ROAD, "a cached road answer is still a road answer"

    asked = server.requests
    assert model(NINGBO, XIANGSHAN).kind is EtaKind.ESTIMATE
    assert server.requests == asked, "a failed service is left alone for retry_after_s"

    server.failing = False
    clock.now += 31
    assert model(NINGBO, XIANGSHAN).kind is EtaKind.ROAD, (
        "the estimate was not cached as if it were a road answer"
    )


def test_a_matrix_mixes_cached_road_cells_and_estimates_cell_by_cell(
    server: FakeOsrm, settings: Settings
) -> None:
    model = _model(server, Clock(), settings)
    model(NINGBO, NINGHAI)
    server.failing = True
    matrix = model.matrix([NINGBO, XIANGSHAN], [NINGHAI])
    assert [matrix.kind_at(0, 0), matrix.kind_at(1, 0)] == [EtaKind.ROAD, EtaKind.ESTIMATE]
    assert matrix.duration_s[0, 0] == 777.0 and matrix.duration_s[1, 0] != 777.0


def test_the_cache_is_bounded_and_expires(server: FakeOsrm, settings: Settings) -> None:
    clock = Clock()
    model = _model(server, clock, settings, cache_size=2, cache_ttl_s=60.0)
    for destination in (NINGHAI, XIANGSHAN, Location(30.0, 121.0)):
        model(NINGBO, destination)
    assert len(model) == 2
    asked = server.requests
    model(NINGBO, Location(30.0, 121.0))
    assert server.requests == asked
    clock.now += 61
    model(NINGBO, Location(30.0, 121.0))
    assert server.requests == asked + 1, "an expired answer is asked again"


def test_without_a_road_service_every_eta_is_an_estimate(settings: Settings) -> None:
    model = travel_model(settings)
    assert settings.osrm_url is None
    assert model(NINGBO, NINGHAI).kind is EtaKind.ESTIMATE
    assert travel_model(settings) is model, "one shared model (and cache) per process"
