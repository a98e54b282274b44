"""Soak: the `dispatch demo` simulator at rising rates against PostgreSQL + Redis with two API workers.

    python -m benchmarks.soak --for 10m --rate 120/h [--steps 3] [--speed 10]

Creates its own PostgreSQL database (dropped afterwards) and a unique Redis channel, seeds the province,
starts ``uvicorn --workers 2`` on simulated time, then runs the simulator for ``--for`` of real time split
into ``--steps`` steps, doubling the call rate each step. After each step it checks, from the database and
from what the simulated clients received: every job closed or open for a reason, no van holding two jobs,
no event lost or doubled on the call-center stream, every acknowledged write on record. It samples each
worker's RSS every minute (flat after warm-up is the goal) and measures, in the same run, the CPU one job
costs in process (services only, no HTTP) beside the CPU the workers spent per job.

Prints one table and a JSON line: the highest clean rate, the cost ratio and the memory trend.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from benchmarks.dispatch import free_port, server_cpu_s
from benchmarks.soak_floor import FLOOR_ACTOR, cpu_per_job_s
from dispatch import schema
from dispatch.clock import ScaledClock
from dispatch.db import make_engine
from dispatch.jobs.models import CLOSED_STATUSES, JobStatus, RescueJob
from dispatch.settings import Settings
from seed.demo.context import Pace
from seed.demo.runner import demo_start, parse_duration_s, parse_rate_per_hour
from seed.demo.simulator import SimConfig, SimResult, run_simulation
from seed.loader import load_world
from seed.world import build_world

SECRET = "soak-secret-key-not-for-production-000000000"
PASSWORD = "soak-demo-pw"
SETUP_LEAD_S = 30.0
WORKING = {JobStatus.OFFERED, JobStatus.ACCEPTED, JobStatus.EN_ROUTE, JobStatus.ON_SITE, JobStatus.IN_SERVICE}


@dataclass
class Step:
    rate_per_hour: float
    result: SimResult
    wall_s: float
    server_cpu_s: float
    db_violations: list[str]

    @property
    def clean(self) -> bool:
        return self.result.clean and not self.db_violations

    @property
    def jobs(self) -> int:
        return int(self.result.report.counts["calls"])


@dataclass
class Memory:
    samples: list[tuple[float, dict[int, int]]] = field(default_factory=list)  # (minute, pid -> RSS kB)

    def sample(self, started: float, pids: list[int]) -> None:
        self.samples.append(((time.monotonic() - started) / 60, {pid: rss_kb(pid) for pid in pids}))

    def trend_mb_per_min(self) -> float | None:
        """Growth after warm-up (from the second sample on), summed over workers, MB per minute."""
        if len(self.samples) < 3:
            return None
        (t0, first), (t1, last) = self.samples[1], self.samples[-1]
        common = set(first) & set(last)
        return (sum(last[p] for p in common) - sum(first[p] for p in common)) / 1024 / max(1e-9, t1 - t0)


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children")
    try:
        return [int(p) for p in children.read_text().split()]
    except OSError:
        return []


def create_database(base_url: str) -> str:
    """A fresh database beside `base_url`'s; returns its SQLAlchemy URL."""
    url = make_url(base_url)
    name = f"dispatch_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_libpq(url.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    url = make_url(database_url)
    with psycopg.connect(_libpq(url.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _libpq(url: object) -> str:
    return str(url.set(drivername="postgresql").render_as_string(hide_password=False))  # type: ignore[attr-defined]


def start_workers(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "dispatch.app:create_app", "--workers", "2"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env={**os.environ, **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("uvicorn did not start")


def database_violations(settings: Settings, left_for_person: set[str]) -> list[str]:
    """From the database: no van holds two open jobs; every open job has a reason to be open."""
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            doubled = session.exec(
                select(RescueJob.van_id, func.count())
                .where(
                    col(RescueJob.status).in_([s.value for s in WORKING]), col(RescueJob.van_id).is_not(None)
                )
                .group_by(col(RescueJob.van_id))
                .having(func.count() > 1)
            ).all()
            idle = session.exec(
                select(RescueJob).where(
                    col(RescueJob.status).not_in([s.value for s in CLOSED_STATUSES | WORKING]),
                    col(RescueJob.status) != JobStatus.UNCOVERED.value,
                    col(RescueJob.needs_attention).is_(False),
                    col(RescueJob.created_by) != FLOOR_ACTOR,
                )
            ).all()
            unexplained = [j.reference for j in idle if str(j.id) not in left_for_person]
    finally:
        engine.dispose()
    problems = []
    if doubled:
        problems.append(f"vans holding two jobs (database): {doubled[:5]}")
    if unexplained:
        problems.append(f"{len(unexplained)} open jobs with no reason (database): {unexplained[:5]}")
    return problems


def run_soak(args: argparse.Namespace) -> dict[str, object]:
    base_url = args.database_url
    database_url = create_database(base_url)
    channel = f"dispatch:soak:{uuid.uuid4().hex}"
    uploads = tempfile.mkdtemp(prefix="soak-uploads-")
    settings = Settings(
        database_url=database_url, secret_key=SECRET, demo_password=PASSWORD, upload_dir=Path(uploads)
    )
    server = None
    try:
        schema.upgrade(settings)
        engine = make_engine(settings)
        with Session(engine) as session:
            load_world(session, build_world(args.scale), demo_password=PASSWORD)
            session.commit()
        start = demo_start(settings)
        anchor = time.time() + SETUP_LEAD_S
        env = {
            "DISPATCH_DATABASE_URL": database_url,
            "DISPATCH_REDIS_URL": args.redis_url,
            "DISPATCH_REDIS_CHANNEL": channel,
            "DISPATCH_SECRET_KEY": SECRET,
            "DISPATCH_DEMO_PASSWORD": PASSWORD,
            "DISPATCH_DEMO_SEED": "false",
            "DISPATCH_UPLOAD_DIR": uploads,
            "DISPATCH_CLOCK_SPEED": str(args.speed),
            "DISPATCH_CLOCK_START": start.isoformat(),
            "DISPATCH_CLOCK_ANCHOR_UNIX_S": repr(anchor),
            "DISPATCH_OFFER_SWEEP_INTERVAL_S": str(min(2.0, max(0.05, 10.0 / args.speed))),
        }
        # The floor first, alone: the workers' offer-expiry sweep would race its (past-dated) offers.
        floor_s = cpu_per_job_s(settings, engine, jobs=args.floor_jobs)
        engine.dispose()
        port = free_port()
        server = start_workers(env, port)
        clock = ScaledClock(start=start, anchor_unix_s=anchor, speed=args.speed)
        steps = asyncio.run(_steps(args, clock, f"http://127.0.0.1:{port}", server.pid, settings))
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        drop_database(database_url)
    return _table(args, steps, floor_s)


async def _steps(
    args: argparse.Namespace, clock: ScaledClock, url: str, server_pid: int, settings: Settings
) -> list[Step]:
    step_wall_s = args.duration_s / args.steps
    memory = Memory()
    started = time.monotonic()
    sampler = asyncio.create_task(_sample_memory(memory, started, server_pid, args.rss_every_s))
    steps: list[Step] = []
    step_start = clock.start
    tokens: dict[str, str] = {}  # one sign-in per technician for the whole soak
    left_for_person: set[str] = set()  # jobs of every step so far that wait for a person
    try:
        for n in range(args.steps):
            rate = args.rate_per_hour * 2**n
            mark: dict[str, float] = {}

            def day_started(mark: dict[str, float] = mark) -> None:
                mark["cpu_s"], mark["wall_s"] = server_cpu_s(server_pid), time.monotonic()

            config = SimConfig(
                base_url=url,
                clock=clock,
                rate_per_hour=rate,
                seed=args.seed + n,
                scale=args.scale,
                duration_s=step_wall_s * args.speed,
                password=PASSWORD,
                pace=Pace(ping_every_s=5.0, min_upload_real_s=0.5),
                campaign=n == 0,
                start=step_start,
                tokens=tokens,
                on_day_start=day_started,
            )
            result = await run_simulation(config, progress=lambda line: print(line, flush=True))
            left_for_person |= result.left_for_person
            step = Step(
                rate_per_hour=rate,
                result=result,
                wall_s=time.monotonic() - mark["wall_s"],
                server_cpu_s=server_cpu_s(server_pid) - mark["cpu_s"],
                db_violations=await asyncio.to_thread(database_violations, settings, left_for_person),
            )
            steps.append(step)
            print(step.result.report.format_summary(step.result.violations + step.db_violations), flush=True)
            step_start = clock.now()
    finally:
        sampler.cancel()
    _print_memory(memory)
    args.memory_trend = memory.trend_mb_per_min()
    return steps


async def _sample_memory(memory: Memory, started: float, server_pid: int, every_s: float) -> None:
    while True:
        memory.sample(started, worker_pids(server_pid))
        line = ", ".join(f"pid {pid}: {kb / 1024:.0f} MB" for pid, kb in memory.samples[-1][1].items())
        print(f"  RSS at {memory.samples[-1][0]:.1f} min: {line}", flush=True)
        await asyncio.sleep(every_s)


def _print_memory(memory: Memory) -> None:
    print("\n内存 / Worker RSS (MB) by minute")
    for minute, rss in memory.samples:
        print(f"  {minute:5.1f}  " + "  ".join(f"{kb / 1024:7.1f}" for kb in rss.values()))


def _table(args: argparse.Namespace, steps: list[Step], floor_s: float) -> dict[str, object]:
    print(f"\nSoak: simulator on PostgreSQL + Redis, 2 uvicorn workers, speed x{args.speed:g}")
    print(
        f"{'calls/sim h':>12} {'jobs':>6} {'jobs/real min':>14} {'errors':>7} {'invariants':>10} "
        f"{'p50 arrive':>11} {'API CPU/job':>12} {'in-process':>11} {'ratio':>6}"
    )
    clean_rates = []
    for step in steps:
        per_job = step.server_cpu_s / max(1, step.jobs)
        p50 = step.result.summary["call_to_arrival_p50_min"]
        invariants = "ok" if not (step.result.violations or step.db_violations) else "BROKEN"
        arrive = f"{p50:.0f} min" if p50 is not None else "-"
        ratio = per_job / floor_s if floor_s else 0.0
        print(
            f"{step.rate_per_hour:>12.0f} {step.jobs:>6} {step.jobs / (step.wall_s / 60):>14.1f} "
            f"{step.result.report.error_total:>7} {invariants:>10} {arrive:>11} "
            f"{per_job * 1000:>9.0f} ms {floor_s * 1000:>8.1f} ms {ratio:>6.1f}"
        )
        if step.clean:
            clean_rates.append(step.rate_per_hour)
    headline = {
        "highest_clean_rate_per_sim_hour": max(clean_rates) if clean_rates else None,
        "highest_clean_jobs_per_real_min": max(
            (s.jobs / (s.wall_s / 60) for s in steps if s.clean), default=None
        ),
        "in_process_cpu_per_job_ms": round(floor_s * 1000, 2),
        "api_cpu_per_job_ms": [round(s.server_cpu_s / max(1, s.jobs) * 1000, 1) for s in steps],
        "rss_trend_mb_per_min_after_warmup": args.memory_trend,
        "errors": [s.result.report.error_total for s in steps],
    }
    print(json.dumps(headline))
    return headline


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--for", dest="duration", default="10m", help="real time, all steps (e.g. 10m)")
    parser.add_argument("--rate", default="120/h", help="calls per simulated hour in the first step")
    parser.add_argument("--steps", type=int, default=3, help="steps; the rate doubles each step")
    parser.add_argument("--speed", type=float, default=10.0, help="simulated seconds per real second")
    parser.add_argument("--scale", choices=("small", "province", "national"), default="province")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--floor-jobs", type=int, default=20, help="in-process jobs for the floor")
    parser.add_argument("--rss-every", dest="rss_every", default="60s", help="RSS sampling interval")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DISPATCH_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server to create the soak database on (its database name is ignored)",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("the soak runs on PostgreSQL: give --database-url postgresql+psycopg://...")
    args.duration_s = parse_duration_s(args.duration)
    args.rate_per_hour = parse_rate_per_hour(args.rate)
    args.rss_every_s = parse_duration_s(args.rss_every)
    run_soak(args)


if __name__ == "__main__":
    main()
