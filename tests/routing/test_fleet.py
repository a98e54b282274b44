from routing.fleet import has_idle_surplus, without_spare_vehicles

from .conftest import problem_of, van, visit


def test_seeded_vehicles_and_a_few_spares_per_group_are_kept() -> None:
    vans = [van(f"k{i}") for i in range(10)] + [van("crane", skills=frozenset({"crane"}))]
    problem = problem_of([visit("a", 1), visit("b", 2)], vans)
    assert has_idle_surplus(problem, spare=2)
    trimmed = without_spare_vehicles(problem, {"k3": ["a"], "k7": ["b"]}, spare=2)
    assert [k.id for k in trimmed.vehicles] == ["k0", "k1", "k3", "k7", "crane"]
    assert trimmed.visits == problem.visits


def test_a_small_fleet_is_left_alone() -> None:
    problem = problem_of([visit("a", 1)], [van(f"k{i}") for i in range(4)])
    assert not has_idle_surplus(problem, spare=2)
