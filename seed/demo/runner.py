"""`dispatch demo`: migrate and seed like `serve`, serve on simulated time, drive it, print the summary."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from dispatch import schema
from dispatch.clock import ScaledClock
from dispatch.db import make_engine
from dispatch.events.models import Event
from dispatch.settings import Settings
from seed.demo.server import ServerThread
from seed.demo.simulator import SimConfig, SimResult, run_simulation

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = clock_time(7, 0)
# Real seconds between the server starting and simulated morning: sign-ins and the planner's bookings.
SETUP_LEAD_S = 20.0
_UNITS_S = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration_s(text: str) -> float:
    """'90s', '10m', '2h', '1.5h' -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*", text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (e.g. 90s, 10m, 2h)")
    return float(match.group(1)) * _UNITS_S[match.group(2) or "s"]


def parse_rate_per_hour(text: str) -> float:
    """'6/h', '120/h', '2/min', '6' (per hour) -> calls per hour."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|m|min|h|d))?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"not a rate: {text!r} (e.g. 6/h, 2/min)")
    return float(match.group(1)) * 3600 / _UNITS_S[match.group(2) or "h"]


def demo_start(settings: Settings) -> datetime:
    """The next 07:00 in China after now and after anything already in the database.

    Simulated time never runs backwards over a previous run's events (a van's newer position would
    ignore our pings), and a newcomer watches the morning peak and a countryside day from its start.
    """
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            latest = session.exec(select(func.max(Event.created_at))).one()
    finally:
        engine.dispose()
    after = max(datetime.now(UTC), latest.astimezone(UTC) if latest else datetime.now(UTC))
    local = after.astimezone(SHANGHAI)
    morning = datetime.combine(local.date(), MORNING, tzinfo=SHANGHAI)
    if morning <= local:
        morning += timedelta(days=1)
    return morning.astimezone(UTC)


def simulated_settings(
    settings: Settings, *, speed: float, start: datetime, anchor_unix_s: float
) -> Settings:
    """The server's settings on simulated time; offer expiry is swept often enough for the speed."""
    return settings.model_copy(
        update={
            "clock_speed": speed,
            "clock_start": start,
            "clock_anchor_unix_s": anchor_unix_s,
            "offer_sweep_interval_s": min(settings.offer_sweep_interval_s, max(0.05, 10.0 / speed)),
        }
    )


def run_demo(
    settings: Settings,
    *,
    speed: float,
    rate_per_hour: float,
    seed: int,
    scale: str,
    wall_duration_s: float | None,
    host: str,
    port: int,
) -> int:
    from dispatch.app import create_app
    from dispatch.cli import seed_database

    logging.getLogger("httpx").setLevel(logging.WARNING)  # the simulator's own requests, thousands of them

    print("数据库迁移 / Migrating the database ...", flush=True)
    schema.upgrade(settings)
    if settings.seeds_demo_world:
        seed_database(settings, scale, only_if_empty=True)
    start = demo_start(settings)
    anchor = time.time() + SETUP_LEAD_S
    served = simulated_settings(settings, speed=speed, start=start, anchor_unix_s=anchor)
    server = ServerThread(create_app(served), host=host, port=port)
    url = server.start()
    if "public_base_url" not in settings.model_fields_set:
        served.public_base_url = url
    clock = ScaledClock(start=start, anchor_unix_s=anchor, speed=speed)
    _banner(url, start, speed, rate_per_hour, seed)
    config = SimConfig(
        base_url=url,
        clock=clock,
        rate_per_hour=rate_per_hour,
        seed=seed,
        scale=scale,
        duration_s=wall_duration_s * speed if wall_duration_s else None,
        password=settings.demo_password,
    )
    try:
        result = asyncio.run(_run_until_interrupted(config))
    finally:
        server.stop()
    print(result.report.format_summary(result.violations), flush=True)
    return 0 if result.clean else 1


async def _run_until_interrupted(config: SimConfig) -> SimResult:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    live = sys.stdout.isatty()

    def progress(line: str) -> None:
        print(("\r\x1b[2K" + line) if live else line, end="" if live else "\n", flush=True)

    result = await run_simulation(config, progress=progress, stop=stop)
    if live:
        print(flush=True)
    return result


def _banner(url: str, start: datetime, speed: float, rate_per_hour: float, seed: int) -> None:
    local = start.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    print(
        f"\n演示运行中 / Demo running at {url}\n"
        f"  接口文档 / API docs: {url}/docs (登录 sign in: agent / demo)\n"
        f"  模拟时间从 {local}（北京时间）开始，{speed:g} 倍速 / Simulated time starts {local} China time, "
        f"x{speed:g}\n"
        f"  来电 {rate_per_hour:g} 次/小时，随机种子 {seed} / {rate_per_hour:g} calls an hour, seed {seed}\n"
        f"  Ctrl-C 结束并打印汇总 / Ctrl-C stops and prints the summary\n",
        flush=True,
    )


def run_from_args(args: argparse.Namespace, settings: Settings) -> int:
    """`dispatch demo` (the ``dispatch.demo_simulator`` entry point): parse the command line's values, run."""
    try:
        rate = parse_rate_per_hour(args.rate)
        duration = parse_duration_s(args.duration) if args.duration else None
    except ValueError as exc:
        raise SystemExit(f"dispatch demo: {exc}") from exc
    if args.speed <= 0:
        raise SystemExit("dispatch demo: --speed must be positive")
    return run_demo(
        settings,
        speed=args.speed,
        rate_per_hour=rate,
        seed=args.seed,
        scale=args.scale,
        wall_duration_s=duration,
        host=args.host,
        port=args.port,
    )
