from collections.abc import Sequence

import numpy as np
import pytest

from routing.geodesy import Location
from routing.travel import CachedTravelTimes, GeodesicTravelTimes, SpeedBand, TravelMatrix

NINGBO = Location(29.87, 121.54)
NINGHAI = Location(29.29, 121.43)
XIANGSHAN = Location(29.48, 121.87)


def test_default_provider_prices_a_rural_trip_sensibly() -> None:
    matrix = GeodesicTravelTimes().matrix([NINGBO], [NINGHAI])
    assert matrix.distance_km[0, 0] == pytest.approx(65 * 1.3, rel=0.05)
    speed_kmh = matrix.distance_km[0, 0] / (matrix.duration_s[0, 0] / 3600)
    assert 40 < speed_kmh < 90


def test_banded_speed_accumulates_band_by_band() -> None:
    provider = GeodesicTravelTimes(speed_bands=(SpeedBand(10, 30), SpeedBand(float("inf"), 60)))
    duration_s = provider.duration_for_km(np.array([5.0, 10.0, 70.0]))
    assert duration_s.tolist() == pytest.approx([600.0, 1200.0, 1200.0 + 3600.0])


def test_long_trips_are_faster_on_average_than_short_hops() -> None:
    provider = GeodesicTravelTimes()
    road_km = np.array([3.0, 30.0, 300.0])
    speed_kmh = road_km / (provider.duration_for_km(road_km) / 3600)
    assert speed_kmh[0] < speed_kmh[1] < speed_kmh[2]


def test_from_point_equals_the_matrix_row() -> None:
    provider = GeodesicTravelTimes()
    places = [NINGBO, NINGHAI, XIANGSHAN]
    full = provider.matrix(places, places)
    row = provider.from_point(NINGHAI, places)
    assert np.allclose(row.duration_s[0], full.duration_s[1])
    assert np.allclose(np.diag(full.duration_s), 0.0)


def test_a_300_by_300_matrix_has_the_right_shape() -> None:
    rng = np.random.default_rng(1)
    places = [
        Location(lat, lon)
        for lat, lon in zip(rng.uniform(28, 31, 300), rng.uniform(119, 122, 300), strict=True)
    ]
    matrix = GeodesicTravelTimes().matrix(places, places)
    assert matrix.shape == (300, 300)
    assert np.all(matrix.duration_s >= 0)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        GeodesicTravelTimes(circuity=0.8)
    with pytest.raises(ValueError):
        GeodesicTravelTimes(speed_bands=(SpeedBand(10, 30),))
    with pytest.raises(ValueError):
        TravelMatrix(np.zeros((2, 2)), np.zeros((2, 3)))


class CountingProvider:
    def __init__(self) -> None:
        self.inner = GeodesicTravelTimes()
        self.pairs_asked = 0

    def matrix(self, origins: Sequence[Location], destinations: Sequence[Location]) -> TravelMatrix:
        self.pairs_asked += len(origins) * len(destinations)
        return self.inner.matrix(origins, destinations)


def test_cache_asks_only_for_unknown_pairs_and_answers_the_same() -> None:
    counting = CountingProvider()
    cached = CachedTravelTimes(counting)
    first = cached.matrix([NINGBO, NINGHAI], [NINGHAI, XIANGSHAN])
    assert counting.pairs_asked == 4
    nearly_ningbo = Location(NINGBO.lat + 1e-7, NINGBO.lon)  # same key at 5 decimals
    again = cached.matrix([nearly_ningbo, NINGHAI], [NINGHAI, XIANGSHAN])
    assert counting.pairs_asked == 4
    assert np.array_equal(first.duration_s, again.duration_s)
    cached.matrix([XIANGSHAN], [NINGHAI])
    assert counting.pairs_asked == 5
    assert len(cached) == 5
