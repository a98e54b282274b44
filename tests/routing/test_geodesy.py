import numpy as np
import pytest
from geopy.distance import geodesic

from routing.geodesy import geodesic_km, haversine_km, haversine_matrix_km, within_radius


def test_haversine_agrees_with_geodesic_within_half_a_percent() -> None:
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(18, 50, 200), rng.uniform(75, 130, 200)
    approx = haversine_km(30.0, 120.0, lats, lons)
    exact = np.array([geodesic_km(30.0, 120.0, a, b) for a, b in zip(lats, lons, strict=True)])
    assert np.all(np.abs(approx - exact) <= 0.005 * exact)


def test_matrix_is_symmetric_with_zero_diagonal_and_matches_one_to_many() -> None:
    lats, lons = np.array([29.8, 30.1, 30.5]), np.array([120.1, 121.0, 119.7])
    matrix = haversine_matrix_km(lats, lons, lats, lons)
    assert matrix.shape == (3, 3)
    assert np.allclose(matrix, matrix.T)
    assert np.allclose(np.diag(matrix), 0.0)
    assert np.allclose(matrix[1], haversine_km(lats[1], lons[1], lats, lons))


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_km(30.0, 120.0, [31.0], [120.0])[0] == pytest.approx(111.2, abs=0.2)


def test_within_radius_matches_the_exact_geodesic_at_the_edge() -> None:
    rng = np.random.default_rng(7)
    centre_lat, centre_lon = 29.87, 121.54
    bearings = rng.uniform(0, 360, 300)
    # points scattered tightly around the 150 km circle, where haversine alone would err
    offsets_km = rng.uniform(-1.5, 1.5, 300)
    points = [
        geodesic(kilometers=150 + d).destination((centre_lat, centre_lon), float(b))
        for b, d in zip(bearings, offsets_km, strict=True)
    ]
    lats = np.array([p.latitude for p in points])
    lons = np.array([p.longitude for p in points])
    mask = within_radius(centre_lat, centre_lon, lats, lons, 150.0)
    exact = np.array(
        [geodesic_km(centre_lat, centre_lon, a, b) <= 150.0 for a, b in zip(lats, lons, strict=True)]
    )
    assert mask.dtype == bool
    assert np.array_equal(mask, exact)


def test_within_radius_keeps_the_input_shape() -> None:
    lats = np.full((2, 3), 30.0)
    lons = np.array([[120.0, 121.0, 125.0], [120.5, 119.0, 110.0]])
    assert within_radius(30.0, 120.0, lats, lons, 150.0).tolist() == [
        [True, True, False],
        [True, True, False],
    ]
