"""One simulator run against a server that is already listening: set up the actors, run, check, report."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dispatch.clock import ScaledClock
from seed.demo.arrivals import CallArrivals
from seed.demo.call_center import CallCenter
from seed.demo.campaign_day import CampaignDay, service_day_for
from seed.demo.client import Api, User
from seed.demo.context import Pace, SimContext
from seed.demo.report import Report
from seed.demo.tablet import Tablet
from seed.demo.timeline import Timeline
from seed.demo.verify import check_invariants
from seed.world import build_world

log = logging.getLogger("seed.demo")
FOREVER = timedelta(days=3650)
DRAIN_REAL_S = 2.0
SIGN_IN_CONCURRENCY = 8


@dataclass
class SimConfig:
    base_url: str
    clock: ScaledClock
    rate_per_hour: float = 6.0
    seed: int = 1
    scale: str = "province"
    duration_s: float | None = None  # simulated seconds; None runs until stopped
    password: str = "demo"
    pace: Pace = field(default_factory=Pace)
    campaign: bool = True
    progress_every_real_s: float = 5.0
    tokens: dict[str, str] = field(default_factory=dict)  # shared between runs: signing in is costly
    on_day_start: Callable[[], None] | None = None
    start: datetime | None = None  # simulated moment the day starts; default: the clock's start


@dataclass
class SimResult:
    report: Report
    violations: list[str]
    summary: dict[str, Any]
    left_for_person: set[str] = field(default_factory=set)

    @property
    def clean(self) -> bool:
        return self.report.error_total == 0 and not self.violations


async def run_simulation(
    config: SimConfig,
    *,
    progress: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> SimResult:
    """Prepare (sign in, plan the campaign day), wait for the clock's start, then run until `duration_s` of
    simulated time has passed (or `stop` is set); check the invariants and summarise."""
    clock = config.clock
    start = config.start or clock.start
    end = start + (timedelta(seconds=config.duration_s) if config.duration_s else FOREVER)
    report = Report()
    api = Api(config.base_url, report, password=config.password, tokens=config.tokens)
    timeline = Timeline(clock, end=end)
    sim = SimContext(api=api, timeline=timeline, report=report, seed=config.seed, pace=config.pace)
    world = build_world(config.scale)
    stream_open = asyncio.Event()
    stream_open.set()
    try:
        agent, planner = api.user("agent"), api.user("planner")
        sim.vans = {int(v["id"]): v for v in await agent.vans()}
        sim.stations = {int(s["id"]): s for s in await agent.stations()}
        tablets = await _sign_in_tablets(sim, [t.username for t in world.technicians])
        mobile = [t for t in tablets if sim.vans[t.van_id]["kind"] == "mobile_station"]
        campaign = None
        if config.campaign and mobile:
            crew = mobile[0]
            host_station_id = int(sim.vans[crew.van_id]["station_id"])
            day = service_day_for(start)
            campaign = CampaignDay(sim, planner, crew, world.owners, host_station_id, day=day)
            await campaign.prepare()
        if progress is not None and clock.now() < start:
            progress(f"准备就绪，等待开始 / Ready; the day starts at {start.isoformat()}")
        await timeline.sleep_until(start)
        # A preparation that overran still gets the whole day it asked for.
        start = max(start, clock.now())
        timeline.end = start + (timedelta(seconds=config.duration_s) if config.duration_s else FOREVER)
        if config.on_day_start is not None:
            config.on_day_start()
        arrivals = CallArrivals(
            owners=world.owners, rate_per_hour=config.rate_per_hour, start=start, seed=config.seed
        )
        call_center = CallCenter(sim, agent, arrivals, stream_running=stream_open.is_set)
        call_center.start()
        for tablet in tablets:
            if sim.vans[tablet.van_id]["kind"] == "rescue":
                sim.spawn(tablet.run(), f"tablet:{tablet.plate}")
        if campaign is not None:
            sim.spawn(campaign.run(), "campaign")
        await _until_over(sim, config, progress, stop)
        await _wind_down(sim, stream_open)
        drain = timedelta(seconds=DRAIN_REAL_S * clock.speed)
        violations = await check_invariants(agent, report, call_center, drain=drain)
    finally:
        timeline.stopping.set()
        stream_open.clear()
        for task in list(sim.tasks):
            task.cancel()
        await asyncio.gather(*sim.tasks, return_exceptions=True)
        await api.close()
    return SimResult(
        report=report,
        violations=violations,
        summary=report.summary(),
        left_for_person=set(call_center.left_for_person),
    )


async def _sign_in_tablets(sim: SimContext, usernames: list[str]) -> list[Tablet]:
    """One tablet per van, signed in as its first technician (a mobile station's second tech rides along)."""
    gate = asyncio.Semaphore(SIGN_IN_CONCURRENCY)

    async def me(username: str) -> tuple[User, dict[str, Any]]:
        async with gate:
            user = sim.api.user(username)
            return user, await user.me()

    tablets: dict[int, Tablet] = {}
    for user, profile in await asyncio.gather(*(me(u) for u in usernames)):
        van_id = int(profile["van"]["id"])
        if van_id not in tablets:
            tablets[van_id] = Tablet(sim, user, profile)
    return list(tablets.values())


async def _until_over(
    sim: SimContext, config: SimConfig, progress: Callable[[str], None] | None, stop: asyncio.Event | None
) -> None:
    timeline = sim.timeline
    while not timeline.over:
        waits = [asyncio.ensure_future(timeline.stopping.wait())]
        if stop is not None:
            waits.append(asyncio.ensure_future(stop.wait()))
        remaining_real_s = timeline.clock.real_seconds((timeline.end - timeline.now()).total_seconds())
        await asyncio.wait(waits, timeout=min(config.progress_every_real_s, max(0.0, remaining_real_s)))
        for waiting in waits:
            waiting.cancel()
        if stop is not None and stop.is_set():
            timeline.stopping.set()
        if progress is not None:
            progress(sim.report.progress_line(timeline.now()))


async def _wind_down(sim: SimContext, stream_open: asyncio.Event) -> None:
    """Stop the actors, let the call-center stream drain what their last writes produced, then close it."""
    sim.timeline.stopping.set()
    actors = [t for t in sim.tasks if t.get_name() != "stream:call-center"]
    await asyncio.wait(actors, timeout=30) if actors else None
    await asyncio.sleep(DRAIN_REAL_S)
    stream_open.clear()
    sim.report.stream_closed_at = sim.timeline.now()
    streams = [t for t in sim.tasks if t.get_name() == "stream:call-center"]
    if streams:
        await asyncio.wait(streams, timeout=5)
