"""Countryside service days: our day planner against VROOM and plain OR-Tools, on days with lunch breaks.

Run ``python -m benchmarks.countryside`` (12 days, 5 s per solver, plus our planner at 30 s as its own
reference) or ``--quick`` (3 days, 2 s, reference at 6 s).

Each day is a mobile service station touring a real Zhejiang county that has no authorised station (the seed
world's county table): vans leave the county seat at 08:00 and are back by 18:00; owners in villages
3-30 km away booked one of the five 2-hour arrival windows (service must *start* inside it); services take
30-90 minutes; about one visit in ten needs the EV kit, which only some vans carry. Every van takes a
45-minute lunch that lies wholly inside 11:30-13:30, i.e. it starts between 11:30 and 12:45; VROOM gets
exactly that break start window. Days are deliberately a little over-full, so visits served is a real
measure; driving follows from the default geodesic travel-time model. Every plan, VROOM's included, is
checked with our validator.

Solvers, all in the same run and at the same time limit: ``ours`` (the planner as the service calls it),
``vroom`` (pyvroom, exploration level 5, as many threads as our planner gives its VROOM seed: one) and
``plain`` (our OR-Tools model with OR-Tools' usual configuration: parallel cheapest insertion then guided
local search for the whole time limit, no seed and no early stop). ``ours@ref`` is our planner with the
longer reference limit.

Booking check: for each day, every visit our plan serves is taken out and offered back to the quick
feasibility check that booking availability uses (:func:`routing.feasibility.can_serve_all`), against the
other served visits, whose current routes start from the stored plan as in the service; a "no" there turns
away a window the full planner can serve.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dispatch.geo.divisions import by_adcode
from routing.feasibility import can_serve_all, day_routes
from routing.geodesy import Location
from routing.plan import Plan
from routing.problem import LunchBreak, RoutingProblem, TimeWindow, Vehicle, Visit, build_problem
from routing.schedule import build_plan
from routing.search import SearchSettings
from routing.solver import solve
from routing.travel import GeodesicTravelTimes
from routing.validate import validate
from routing.vroomseed import vroom_solution
from seed.world import build_world

HOUR = 3600.0
SHIFT = TimeWindow(8 * HOUR, 18 * HOUR)
LUNCH = LunchBreak(earliest_start_s=11.5 * HOUR, latest_start_s=13.5 * HOUR - 2700.0, duration_s=2700.0)
WINDOW_STARTS_H = (8, 10, 12, 14, 16)
WINDOW_WEIGHTS = (3, 3, 1, 3, 2)  # mornings and mid-afternoons are popular, lunchtime less so
SERVICE_MINUTES = (30, 45, 60, 75, 90)
EV_SHARE = 0.1
# (visits, vans): a little more work than the vans can do in a day
DAY_SHAPES = ((30, 4), (30, 5), (30, 4), (30, 5), (60, 7), (60, 8), (60, 6), (60, 8),
              (90, 10), (90, 11), (90, 9), (90, 11))  # fmt: skip
QUICK_DAYS = (0, 5, 9)
ZHOUSHAN = "330900"
VROOM_THREADS = SearchSettings().vroom_threads
"""VROOM alone gets as many threads as the VROOM seed inside our planner."""
PLAIN = SearchSettings(warm_start=False, vroom_seed=False, stagnation_share=None, lns_time_limit_s=0.1)


@dataclass(frozen=True)
class Day:
    name: str
    problem: RoutingProblem


@dataclass
class Outcome:
    served: int
    driving_h: float
    vans: int
    seconds: float
    violations: int
    stop: str = ""
    routes: tuple[tuple[str, ...], ...] = ()

    @property
    def served_ids(self) -> list[str]:
        return [visit_id for route in self.routes for visit_id in route]


def make_day(number: int, county_adcode: str, visits: int, vans: int) -> Day:
    """One reproducible day (seeded by its number) around the county seat."""
    rng = random.Random(1000 + number)
    county = by_adcode()[county_adcode]
    seat = Location(county.lat, county.lon)
    villages = [
        _offset(seat, rng.uniform(3.0, 30.0), rng.uniform(0, 2 * math.pi)) for _ in range(visits // 3)
    ]
    ev_vans = 1 if vans < 6 else 2
    fleet = tuple(
        Vehicle(
            id=f"van{k + 1}",
            start=seat,
            end=seat,
            shift=SHIFT,
            skills=frozenset({"ev"}) if k < ev_vans else frozenset(),
            lunch=LUNCH,
        )
        for k in range(vans)
    )
    jobs = []
    for i in range(visits):
        home = _offset(rng.choice(villages), rng.uniform(0.0, 1.0), rng.uniform(0, 2 * math.pi))
        window_h = rng.choices(WINDOW_STARTS_H, WINDOW_WEIGHTS)[0]
        jobs.append(
            Visit(
                id=f"b{i + 1:03d}",
                location=home,
                service_s=60.0 * rng.choice(SERVICE_MINUTES),
                windows=(TimeWindow(window_h * HOUR, (window_h + 2) * HOUR),),
                required_skills=frozenset({"ev"}) if rng.random() < EV_SHARE else frozenset(),
            )
        )
    problem = build_problem(jobs, fleet, GeodesicTravelTimes())
    return Day(f"{county.name}#{number}", problem)


def _offset(origin: Location, km: float, bearing: float) -> Location:
    north_km, east_km = km * math.cos(bearing), km * math.sin(bearing)
    lat = origin.lat + north_km / 110.574
    lon = origin.lon + east_km / (111.320 * math.cos(math.radians(origin.lat)))
    return Location(round(lat, 6), round(lon, 6))


def benchmark_days(quick: bool) -> list[Day]:
    """Rural counties (县) of the seed world without an authorised station, a different one each day.

    Zhoushan's island counties are left out: their villages are across the sea from the county seat.
    """
    names = by_adcode()
    counties = [
        c
        for c in build_world("province").counties_without_station
        if names[c].name.endswith("县") and names[c].city_adcode != ZHOUSHAN
    ]
    days = [
        make_day(n, counties[(7 * n) % len(counties)], visits, vans)
        for n, (visits, vans) in enumerate(DAY_SHAPES)
    ]
    return [days[n] for n in QUICK_DAYS] if quick else days


def outcome_of(problem: RoutingProblem, plan: Plan, seconds: float) -> Outcome:
    violations = validate(problem, plan)
    for violation in violations[:3]:
        print(f"  invalid: {violation}", file=sys.stderr)
    routes = tuple(route.visit_ids for route in plan.routes)
    served = sum(len(route) for route in routes)
    return Outcome(
        served, plan.travel_h, plan.vehicles_used, seconds, len(violations), plan.stop_reason, routes
    )


def run_ours(problem: RoutingProblem, seconds: float) -> Outcome:
    plan = solve(problem, seconds)
    return outcome_of(problem, plan, plan.wall_time_s)


def run_plain(problem: RoutingProblem, seconds: float) -> Outcome:
    plan = solve(problem, seconds, search=PLAIN)
    return outcome_of(problem, plan, plan.wall_time_s)


def run_vroom(problem: RoutingProblem, seconds: float) -> Outcome:
    started = time.perf_counter()
    routes = vroom_solution(problem, seconds, exploration_level=5, threads=VROOM_THREADS)
    elapsed = time.perf_counter() - started
    if routes is None:
        raise SystemExit("pyvroom is not installed: pip install -e '.[bench]'")
    plan = build_plan(problem, routes, {}, "vroom", -1, elapsed)
    return outcome_of(problem, plan, elapsed)


def booking_refusals(
    problem: RoutingProblem, plan_routes: Sequence[Sequence[str]], check_s: float, every: int = 1
) -> tuple[int, int]:
    """(refused, tried): visits of our plan (every ``every``-th) that the booking check would not take back.

    As in the service: the day is the other served visits, its current routes come from
    :func:`routing.feasibility.day_routes` starting from the day's stored plan (ours, less the visit), and
    the visit asks for its own window with :func:`routing.feasibility.can_serve_all`.
    """
    served = [visit_id for route in plan_routes for visit_id in route][::every]
    refused = 0
    for visit_id in served:
        others = tuple(problem.visit_by_id[v] for route in plan_routes for v in route if v != visit_id)
        day = RoutingProblem(others, problem.vehicles, problem.locations, problem.matrix)
        stored = [[v for v in route if v != visit_id] for route in plan_routes]
        routes = day_routes(day, time_limit_s=check_s, initial_routes=stored)
        with_candidate = RoutingProblem(
            (*others, problem.visit_by_id[visit_id]), problem.vehicles, problem.locations, problem.matrix
        )
        if not can_serve_all(with_candidate, time_limit_s=check_s, current_routes=routes):
            refused += 1
    return refused, len(served)


SOLVERS: dict[str, Callable[[RoutingProblem, float], Outcome]] = {
    "ours": run_ours,
    "vroom": run_vroom,
    "plain": run_plain,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    reference_s = args.reference_seconds or (6.0 if args.quick else 30.0)
    days = benchmark_days(args.quick)
    results: dict[str, dict[str, Outcome]] = {}
    loads = [os.getloadavg()[0]]
    for n, day in enumerate(days, 1):
        row = {name: run(day.problem, seconds) for name, run in SOLVERS.items()}
        row["ours@ref"] = run_ours(day.problem, reference_s)
        results[day.name] = row
        loads.append(os.getloadavg()[0])
        summary = " ".join(f"{k}={v.served}/{v.driving_h:.2f}h/{v.seconds:.1f}s" for k, v in row.items())
        print(
            f"[{n}/{len(days)}] {day.name} ({len(day.problem.visits)}) {summary}", file=sys.stderr, flush=True
        )
    refusals = [0, 0]
    every = 4 if args.quick else 1
    if not args.no_booking_check:
        for day in days:
            plan_routes = results[day.name]["ours"].routes
            refused, tried = booking_refusals(day.problem, plan_routes, args.check_seconds, every)
            refusals[0] += refused
            refusals[1] += tried
            print(f"  booking check {day.name}: {refused}/{tried} refused", file=sys.stderr, flush=True)
    print_table(days, results, seconds, reference_s)
    print(f"booking check ({args.check_seconds:g} s): {refusals[0]} of {refusals[1]} served visits refused")
    print(f"load average (1 min) during the run: {min(loads):.2f}-{max(loads):.2f}; {os.cpu_count()} cores")
    print(json.dumps(headline(results, seconds, reference_s, refusals, loads)))
    return 0


def print_table(
    days: list[Day], results: dict[str, dict[str, Outcome]], seconds: float, ref_s: float
) -> None:
    solvers = list(next(iter(results.values())))
    print(
        f"Countryside days, {seconds:g} s per solver (ours@ref: {ref_s:g} s); served / driving h / vans / s"
    )
    print(f"{'day':22}{'visits':>7}{'vans':>5}" + "".join(f"{s:>26}" for s in solvers) + f"{'valid':>7}")
    for day in days:
        row = results[day.name]
        cells = "".join(f"{_cell(row[s]):>26}" for s in solvers)
        valid = all(o.violations == 0 for o in row.values())
        fleet = len(day.problem.vehicles)
        print(f"{_pad(day.name, 22)}{len(day.problem.visits):>7}{fleet:>5}{cells}{str(valid):>7}")
    totals = {s: _total([results[d.name][s] for d in days]) for s in solvers}
    visits = sum(len(d.problem.visits) for d in days)
    fleet = sum(len(d.problem.vehicles) for d in days)
    print(f"{'total':22}{visits:>7}{fleet:>5}" + "".join(f"{_cell(totals[s]):>26}" for s in solvers))
    stops: dict[str, int] = {}
    for d in days:
        stops[results[d.name]["ours"].stop] = stops.get(results[d.name]["ours"].stop, 0) + 1
    print("ours stopped by: " + ", ".join(f"{reason} {count}" for reason, count in sorted(stops.items())))


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def _cell(o: Outcome) -> str:
    return f"{o.served} / {o.driving_h:.2f} / {o.vans} / {o.seconds:.1f}"


def _total(outcomes: list[Outcome]) -> Outcome:
    return Outcome(
        sum(o.served for o in outcomes),
        sum(o.driving_h for o in outcomes),
        sum(o.vans for o in outcomes),
        sum(o.seconds for o in outcomes),
        sum(o.violations for o in outcomes),
    )


def headline(
    results: dict[str, dict[str, Outcome]],
    seconds: float,
    ref_s: float,
    refusals: list[int],
    loads: list[float],
) -> dict[str, object]:
    solvers = list(next(iter(results.values())))
    totals = {s: _total([row[s] for row in results.values()]) for s in solvers}
    figures: dict[str, object] = {"days": len(results), "seconds": seconds, "reference_seconds": ref_s}
    for s, total in totals.items():
        figures[f"served_{s}"] = total.served
        figures[f"driving_h_{s}"] = round(total.driving_h, 2)
        figures[f"seconds_{s}"] = round(total.seconds, 1)
        figures[f"invalid_{s}"] = total.violations
    ours, vroom, ref = totals["ours"], totals["vroom"], totals["ours@ref"]
    figures["served_ge_vroom"] = ours.served >= vroom.served
    figures["days_ours_not_worse_than_vroom"] = sum(
        1 for row in results.values() if _not_worse(row["ours"], row["vroom"])
    )
    figures["within_1pct_of_ref"] = ours.served >= 0.99 * ref.served and (
        ours.served > ref.served or ours.driving_h <= 1.01 * ref.driving_h
    )
    figures["booking_refused"], figures["booking_tried"] = refusals
    figures["load_avg_max"] = round(max(loads), 2)
    return figures


def _not_worse(ours: Outcome, other: Outcome) -> bool:
    """More served, or as many with no more driving."""
    return ours.served > other.served or (
        ours.served == other.served and ours.driving_h <= other.driving_h + 1e-6
    )


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="3 days at 2 s, reference at 6 s, every 4th visit re-booked"
    )
    parser.add_argument("--seconds", type=float, help="time limit per day and solver (default 5)")
    parser.add_argument("--reference-seconds", type=float, help="our planner's reference limit (default 30)")
    parser.add_argument("--check-seconds", type=float, default=0.5, help="booking check time limit")
    parser.add_argument("--no-booking-check", action="store_true", help="skip the booking-check measure")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
