"""Solomon VRPTW benchmark: our planner against best-known distances, PyVRP and VROOM.

Run ``python -m benchmarks.solomon --quick`` for a short check or ``--seconds 5`` for all 56 instances.
Distances follow the data README: Euclidean truncated to one decimal, travel time = distance. Every plan
of ours is checked with :func:`routing.validate.validate`. PyVRP and VROOM are imported lazily (bench-only
dependencies) and solve the same integer matrices (scaled by 10, so exact) with the same time limit.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routing.geodesy import Location
from routing.problem import RoutingProblem, TimeWindow, Vehicle, Visit
from routing.search import SearchSettings
from routing.solver import solve
from routing.travel import TravelMatrix
from routing.validate import validate

CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")
QUICK_INSTANCES = ("c101", "r101", "rc101", "r201")
FLEET_SIZE = 100


@dataclass(frozen=True)
class Instance:
    """One Solomon instance; row 0 is the depot."""

    name: str
    capacity: int
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    demand: NDArray[np.int64]
    ready: NDArray[np.float64]
    due: NDArray[np.float64]
    service: NDArray[np.float64]

    @property
    def klass(self) -> str:
        return self.name.rstrip("0123456789").upper() + self.name.lstrip("crCR")[0]

    def distance(self) -> NDArray[np.float64]:
        """Euclidean distance truncated to one decimal, as the published optima use."""
        dx = self.x[:, None] - self.x[None, :]
        dy = self.y[:, None] - self.y[None, :]
        return np.floor(np.hypot(dx, dy) * 10 + 1e-9) / 10


@dataclass
class Outcome:
    distance: float | None
    vehicles: int | None
    seconds: float
    valid: bool | None = None


def read_instance(path: Path, customers: int = 100) -> Instance:
    """The depot and the first ``customers`` customers (25 and 50 have their own published optima)."""
    lines = path.read_text().splitlines()
    capacity = int(lines[0].split()[-1])
    rows = np.array([[float(v) for v in line.split()] for line in lines[2:] if line.strip()])[: customers + 1]
    return Instance(
        name=path.stem.lower(),
        capacity=capacity,
        x=rows[:, 1],
        y=rows[:, 2],
        demand=rows[:, 3].astype(np.int64),
        ready=rows[:, 4],
        due=rows[:, 5],
        service=rows[:, 6],
    )


def to_problem(instance: Instance) -> RoutingProblem:
    """Our problem with an explicit matrix; the plane's (x, y) stand in for (lon, lat), never used as such."""
    places = [Location(lat=float(y), lon=float(x)) for x, y in zip(instance.x, instance.y, strict=True)]
    distance = instance.distance()
    unique: dict[Location, int] = {}
    for i, place in enumerate(places):
        unique.setdefault(place, i)
    rows = list(unique.values())
    matrix = distance[np.ix_(rows, rows)]
    horizon = TimeWindow(float(instance.ready[0]), float(instance.due[0]))
    visits = tuple(
        Visit(
            id=str(i),
            location=places[i],
            service_s=float(instance.service[i]),
            windows=(TimeWindow(float(instance.ready[i]), float(instance.due[i])),),
            demand=int(instance.demand[i]),
        )
        for i in range(1, len(places))
    )
    vehicles = tuple(
        Vehicle(id=f"v{k}", start=places[0], end=places[0], shift=horizon, capacity=instance.capacity)
        for k in range(FLEET_SIZE)
    )
    return RoutingProblem(visits, vehicles, tuple(unique), TravelMatrix(matrix, matrix.copy()))


def run_ours(instance: Instance, seconds: float, search: SearchSettings | None = None) -> Outcome:
    problem = to_problem(instance)
    plan = solve(problem, time_limit_s=seconds, search=search)
    violations = validate(problem, plan)
    for violation in violations[:5]:
        print(f"  {instance.name}: {violation}", file=sys.stderr)
    served_all = not plan.dropped
    return Outcome(
        round(plan.distance_km, 1), plan.vehicles_used, plan.wall_time_s, served_all and not violations
    )


def run_pyvrp(instance: Instance, seconds: float) -> Outcome:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    started = time.perf_counter()
    model = Model()
    scaled = np.rint(instance.distance() * 10).astype(int)
    due = int(instance.due[0] * 10)
    locations = [
        model.add_location(x=float(x), y=float(y)) for x, y in zip(instance.x, instance.y, strict=True)
    ]
    depot = model.add_depot(locations[0], tw_early=0, tw_late=due)
    model.add_vehicle_type(
        num_available=FLEET_SIZE,
        capacity=instance.capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=0,
        tw_late=due,
    )
    for i in range(1, len(locations)):
        model.add_client(
            locations[i],
            delivery=int(instance.demand[i]),
            service_duration=int(instance.service[i] * 10),
            tw_early=int(instance.ready[i] * 10),
            tw_late=int(instance.due[i] * 10),
        )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            model.add_edge(frm, to, distance=int(scaled[i, j]), duration=int(scaled[i, j]))
    result = model.solve(stop=MaxRuntime(seconds), seed=1, display=False)
    if not result.is_feasible():
        return Outcome(None, None, time.perf_counter() - started)
    best = result.best
    return Outcome(best.distance() / 10, best.num_routes(), time.perf_counter() - started)


def run_vroom(instance: Instance, seconds: float) -> Outcome:
    import datetime

    import vroom

    started = time.perf_counter()
    scaled = np.rint(instance.distance() * 10).astype(np.uint32)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=scaled)
    window = vroom.TimeWindow(0, int(instance.due[0] * 10))
    for k in range(FLEET_SIZE):
        problem.add_vehicle(
            vroom.Vehicle(k, start=0, end=0, capacity=[instance.capacity], time_window=window)
        )
    for i in range(1, len(instance.x)):
        tw = vroom.TimeWindow(int(instance.ready[i] * 10), int(instance.due[i] * 10))
        problem.add_job(
            vroom.Job(
                i,
                location=i,
                default_service=int(instance.service[i] * 10),
                delivery=[int(instance.demand[i])],
                time_windows=[tw],
            )
        )
    solution = problem.solve(exploration_level=5, nb_threads=1, timeout=datetime.timedelta(seconds=seconds))
    routes = solution.routes
    total = 0
    for _, steps in routes.groupby("vehicle_id"):
        index = steps["location_index"].to_numpy()
        total += int(scaled[index[:-1], index[1:]].sum())
    served = int((routes["type"] == "job").sum())
    vehicles = int(routes["vehicle_id"].nunique())
    if served != len(instance.x) - 1:
        return Outcome(None, None, time.perf_counter() - started)
    return Outcome(total / 10, vehicles, time.perf_counter() - started)


def find_data_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    repo_root = Path(__file__).resolve().parents[1]
    return repo_root.parent / "shared" / "benchmarks" / "solomon"


def read_optima(data_dir: Path, customers: int = 100) -> dict[str, float]:
    """Proven distance optima (rows named like ``R101.100``), keyed by lower-case instance name."""
    optima = {}
    with (data_dir / "bkv.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["problem"].endswith(f".{customers}") and row["distance"] not in ("", "NA"):
                optima[row["base_instance"].lower()] = float(row["distance"])
    return optima


def select(data_dir: Path, instances: str | None, classes: str | None, quick: bool) -> list[Path]:
    paths = sorted(data_dir.glob("*.txt"))
    if quick and not instances:
        instances = ",".join(QUICK_INSTANCES)
    if instances:
        wanted = {name.strip().lower() for name in instances.split(",")}
        paths = [p for p in paths if p.stem.lower() in wanted]
    if classes:
        wanted_classes = {c.strip().upper() for c in classes.split(",")}
        paths = [p for p in paths if read_instance(p).klass in wanted_classes]
    return paths


def gap(outcome: Outcome | None, optimum: float | None) -> float | None:
    if outcome is None or outcome.distance is None or optimum is None:
        return None
    return 100.0 * (outcome.distance - optimum) / optimum


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None or math.isnan(value) else format(value, spec)


SOLVERS: dict[str, Callable[[Instance, float], Outcome]] = {"pyvrp": run_pyvrp, "vroom": run_vroom}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    data_dir = find_data_dir(args.data)
    seconds = 2.0 if args.quick and args.seconds is None else (args.seconds or 5.0)
    optima = read_optima(data_dir, args.customers)
    references = [] if args.no_reference else list(SOLVERS)
    search = SearchSettings(warm_start=not args.no_warm_start)
    results: dict[str, dict[str, Outcome]] = {}
    paths = select(data_dir, args.instances, args.classes, args.quick)
    if args.proven_only:
        paths = [p for p in paths if p.stem.lower() in optima]
    instances = [read_instance(p, args.customers) for p in paths]
    for n, instance in enumerate(instances, 1):
        results[instance.name] = {"ours": run_ours(instance, seconds, search)}
        for name in references:
            results[instance.name][name] = SOLVERS[name](instance, seconds)
        summary = " ".join(f"{k}={_fmt(v.distance, '.1f')}" for k, v in results[instance.name].items())
        print(f"[{n}/{len(instances)}] {instance.name} {summary}", file=sys.stderr, flush=True)
    seeding = "without" if args.no_warm_start else "with"
    print(f"{args.customers} customers per instance; ours {seeding} the PyVRP warm start")
    print_tables(instances, results, optima, ["ours", *references], seconds)
    return 0


def print_tables(
    instances: list[Instance],
    results: dict[str, dict[str, Outcome]],
    optima: dict[str, float],
    solvers: list[str],
    seconds: float,
) -> None:
    print(f"Solomon VRPTW, {seconds:g} s per instance; gap % to the proven optimum (.100 rows), '-' if none")
    header = f"{'instance':9}{'optimum':>9}" + "".join(
        f"{s + ' dist':>12}{'veh':>5}{'gap%':>7}" for s in solvers
    )
    print(header + f"{'valid':>7}")
    for instance in instances:
        row = results[instance.name]
        optimum = optima.get(instance.name)
        cells = "".join(_cells(row[s], optimum) for s in solvers)
        print(f"{instance.name:9}{_fmt(optimum, '.1f'):>9}{cells}{str(row['ours'].valid):>7}")
    print()
    print(f"{'class':6}{'n opt':>6}" + "".join(f"{s + ' gap%':>13}" for s in solvers))
    for klass in CLASSES:
        members = [i for i in instances if i.klass == klass and i.name in optima]
        if not members:
            continue
        gaps = "".join(
            f"{_fmt(_mean([gap(results[i.name][s], optima[i.name]) for i in members])):>13}" for s in solvers
        )
        print(f"{klass:6}{len(members):>6}{gaps}")
    print(json.dumps(headline(instances, results, optima, solvers, seconds)))


def _cells(outcome: Outcome, optimum: float | None) -> str:
    distance, vehicles = _fmt(outcome.distance, ".1f"), _fmt(outcome.vehicles, "d")
    return f"{distance:>12}{vehicles:>5}{_fmt(gap(outcome, optimum)):>7}"


def headline(
    instances: list[Instance],
    results: dict[str, dict[str, Outcome]],
    optima: dict[str, float],
    solvers: list[str],
    seconds: float,
) -> dict[str, object]:
    proven = [i.name for i in instances if i.name in optima]
    figures: dict[str, object] = {
        "seconds_per_instance": seconds,
        "instances": len(instances),
        "proven_optimum_instances": len(proven),
    }
    for s in solvers:
        figures[f"mean_gap_pct_{s}"] = _round(_mean([gap(results[n][s], optima[n]) for n in proven]))
    figures["validated"] = sum(1 for i in instances if results[i.name]["ours"].valid)
    return figures


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", help="directory with the instances and bkv.csv")
    parser.add_argument("--seconds", type=float, help="time limit per instance and solver (default 5)")
    parser.add_argument("--instances", help="comma-separated names, e.g. c101,r101")
    parser.add_argument("--classes", help="comma-separated classes, e.g. R1,RC2")
    parser.add_argument("--quick", action="store_true", help=f"{', '.join(QUICK_INSTANCES)} at 2 s")
    parser.add_argument("--no-reference", action="store_true", help="skip PyVRP and VROOM")
    parser.add_argument(
        "--customers",
        type=int,
        choices=(25, 50, 100),
        default=100,
        help="first N customers only; 25 and 50 have their own optima (the workload shape)",
    )
    parser.add_argument("--proven-only", action="store_true", help="only instances with a proven optimum")
    parser.add_argument("--no-warm-start", action="store_true", help="OR-Tools alone, no PyVRP seed for ours")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
