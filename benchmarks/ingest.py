"""GPS ping ingest throughput, in batches of 100, on SQLite and PostgreSQL.

Context: 10,000 vans pinging every 10 s is 1,000 pings/s nationally; the target is 2,000 pings/s on
PostgreSQL with the ETA recomputation included. Three ways of writing the same batches, per backend:

- ``floor``: the bare multi-row INSERT of 100 rows and a commit, nothing else (the database's own cost);
- ``service``: :func:`field_app_api.pings.record_pings` + commit per batch: INSERT, conditional van UPDATE,
  en-route job lookup, travel-time ETA, and the job's ETA UPDATE + ``job.eta`` event when it moved >= 60 s;
- ``http``: ``POST /api/field/pings`` through the whole app (token, crew, validation, Idempotency-Key,
  one transaction per request), in-process via Starlette's TestClient.

Every batch is newer than the van's last position, so every batch moves the van and recomputes its ETA.
Run ``python -m benchmarks.ingest`` (``--quick`` for a short run). Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, text
from sqlmodel import Session, col, select

from benchmarks.databases import ensure_postgres_database
from dispatch import schema
from dispatch.app import create_app
from dispatch.auth.models import User
from dispatch.auth.service import issue_access_token
from dispatch.clock import FrozenClock
from dispatch.db import make_engine, unit_of_work
from dispatch.fleet.models import Technician
from dispatch.jobs.models import FaultCategory, JobStatus, LocationSource, RescueJob
from dispatch.settings import Settings
from dispatch.tracking.models import GpsPing
from dispatch.travel_times import drive_time_for
from field_app_api.pings import Ping, record_pings
from seed.loader import load_world
from seed.world import build_world

BATCH = 100
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/field_bench"
JOB_LAT, JOB_LON = 29.8683, 121.5440


@dataclass(frozen=True)
class Crew:
    username: str
    van_id: int


@dataclass(frozen=True)
class Result:
    backend: str
    mode: str
    pings: int
    seconds: float
    eta_events: int

    @property
    def pings_per_s(self) -> float:
        return self.pings / self.seconds


def prepare(url: str) -> tuple[Settings, Engine, list[Crew]]:
    """A fresh schema with the small seed world; every technician's van gets an en-route job."""
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, background_workers=False)
    engine = make_engine(settings)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    schema.upgrade(settings)
    crews = []
    with unit_of_work(engine) as session:
        load_world(session, build_world("small"), demo_password="bench")
        session.flush()
        rows = session.exec(
            select(User, Technician).join(Technician, User.technician_id == Technician.id)
        ).all()
        seen_vans: set[int] = set()
        for user, technician in rows:
            if technician.van_id is None or technician.van_id in seen_vans:
                continue
            seen_vans.add(technician.van_id)
            session.add(_en_route_job(technician.van_id))
            crews.append(Crew(username=user.username, van_id=technician.van_id))
    return settings, engine, crews


def _en_route_job(van_id: int) -> RescueJob:
    now = datetime.now(UTC)
    return RescueJob(
        reference=f"RJ-BENCH-{uuid.uuid4().hex[:8]}",
        status=JobStatus.EN_ROUTE,
        caller_name="基准",
        caller_phone="13800000000",
        powertrain="ice",
        fault_category=FaultCategory.FLAT_TYRE,
        lat=JOB_LAT,
        lon=JOB_LON,
        location_source=LocationSource.WGS84,
        van_id=van_id,
        created_by="bench",
        created_at=now,
        updated_at=now,
    )


class Track:
    """Batches of 100 pings per van, each 1,000 s after the previous one, creeping toward the job.

    Time is simulated (the clock is set to each batch's newest ping): the van is slower than the travel
    model expects, so every batch's ETA slips by more than 60 s and writes a ``job.eta`` event (the
    worst case for the event log).
    """

    def __init__(self, crews: list[Crew]):
        self.start = datetime.now(UTC) - timedelta(days=30)
        self.batch_no = {c.van_id: 0 for c in crews}

    def next_batch(self, van_id: int) -> list[Ping]:
        n = self.batch_no[van_id]
        self.batch_no[van_id] = n + 1
        first = self.start + timedelta(seconds=1000 * n)
        north = 0.5 / (1 + n * 0.01)  # approaches the job; the ETA slips a little now and then
        return [
            Ping(
                lat=JOB_LAT + north - 0.00001 * i,
                lon=JOB_LON + 0.001 * (n % 7),
                recorded_at=first + timedelta(seconds=10 * i),
                accuracy_m=8.0,
                speed_kmh=45.0,
                heading_deg=180.0,
            )
            for i in range(BATCH)
        ]


def timed(label: str, backend: str, batches: int, run_batch: Callable[[int], None], engine: Engine) -> Result:
    before = _eta_events(engine)
    started = time.perf_counter()
    for n in range(batches):
        run_batch(n)
    seconds = time.perf_counter() - started
    return Result(backend, label, batches * BATCH, seconds, _eta_events(engine) - before)


def _eta_events(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(text("SELECT count(*) FROM events WHERE kind = 'job.eta'")).scalar_one()
        )


def run_backend(backend: str, url: str, batches: int) -> list[Result]:
    settings, engine, crews = prepare(url)
    track = Track(crews)
    drive_time = drive_time_for(settings)

    def floor(n: int) -> None:
        crew = crews[n % len(crews)]
        rows = [_row(crew.van_id, p) for p in track.next_batch(crew.van_id)]
        with unit_of_work(engine) as session:
            session.execute(insert(GpsPing).returning(col(GpsPing.id)), rows)

    def service(n: int) -> None:
        crew = crews[n % len(crews)]
        pings = track.next_batch(crew.van_id)
        with unit_of_work(engine) as session:
            record_pings(
                session=session,
                van_id=crew.van_id,
                pings=pings,
                actor=f"technician:{crew.username}",
                now=pings[-1].recorded_at,
                drive_time=drive_time,
                eta_threshold_s=settings.eta_update_threshold_s,
            )

    clock = FrozenClock(track.start)
    app = create_app(settings, engine=engine, clock=clock)
    headers = _headers(settings, engine, crews)
    with TestClient(app) as client:

        def http(n: int) -> None:
            crew = crews[n % len(crews)]
            pings = track.next_batch(crew.van_id)
            clock.set(pings[-1].recorded_at)
            body = [_json(p) for p in pings]
            response = client.post(
                "/api/field/pings",
                json=body,
                headers={**headers[crew.username], "Idempotency-Key": str(uuid.uuid4())},
            )
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text}")

        http(0)  # warm up the app (imports, first connection)
        results = [
            timed("floor", backend, batches, floor, engine),
            timed("service", backend, batches, service, engine),
            timed("http", backend, batches, http, engine),
        ]
    engine.dispose()
    return results


def _row(van_id: int, ping: Ping) -> dict[str, Any]:
    return {
        "van_id": van_id,
        "lat": ping.lat,
        "lon": ping.lon,
        "accuracy_m": ping.accuracy_m,
        "speed_kmh": ping.speed_kmh,
        "heading_deg": ping.heading_deg,
        "recorded_at": ping.recorded_at,
        "received_at": datetime.now(UTC),
    }


def _json(ping: Ping) -> dict[str, Any]:
    return {
        "lat": ping.lat,
        "lon": ping.lon,
        "accuracy_m": ping.accuracy_m,
        "speed_kmh": ping.speed_kmh,
        "heading_deg": ping.heading_deg,
        "recorded_at": ping.recorded_at.isoformat(),
    }


def _headers(settings: Settings, engine: Engine, crews: list[Crew]) -> dict[str, dict[str, str]]:
    out = {}
    with Session(engine) as session:
        for crew in crews:
            user = session.exec(select(User).where(User.username == crew.username)).one()
            token, _ = issue_access_token(
                user=user, key=settings.signing_key(), now=datetime.now(UTC), ttl_minutes=60
            )
            out[crew.username] = {"Authorization": f"Bearer {token}"}
    return out


def print_table(results: list[Result]) -> None:
    floors = {r.backend: r.pings_per_s for r in results if r.mode == "floor"}
    header = f"{'backend':<11}{'mode':<9}{'pings':>8}{'seconds':>9}{'pings/s':>10}{'vs floor':>10}"
    print(f"{header}{'eta events':>12}")
    for r in results:
        ratio = r.pings_per_s / floors[r.backend]
        print(
            f"{r.backend:<11}{r.mode:<9}{r.pings:>8}{r.seconds:>9.2f}{r.pings_per_s:>10.0f}"
            f"{ratio:>10.2f}{r.eta_events:>12}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer batches, for a smoke run")
    parser.add_argument("--batches", type=int, default=None, help="batches of 100 per mode (default 400)")
    parser.add_argument("--postgres-url", default=DEFAULT_PG_URL)
    parser.add_argument(
        "--skip-postgres", action="store_true", help="SQLite only (without it, an unreachable server fails)"
    )
    args = parser.parse_args(argv)
    batches = args.batches or (40 if args.quick else 400)

    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += run_backend("sqlite", f"sqlite:///{Path(tmp) / 'ingest.db'}", batches)
    if not args.skip_postgres:
        ensure_postgres_database(args.postgres_url)
        results += run_backend("postgresql", args.postgres_url, batches)
    print_table(results)
    headline = {f"{r.backend}_{r.mode}_pings_per_s": round(r.pings_per_s) for r in results}
    headline["batch_size"] = BATCH
    headline["target_postgresql_pings_per_s"] = 2000
    print(json.dumps(headline))


if __name__ == "__main__":
    main()
