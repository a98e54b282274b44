"""KPI endpoints: ``GET /api/kpis`` (JSON) and ``GET /api/kpis.csv`` for a period, by city and station."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from dispatch.api.deps import SessionDep, StaffDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.ids import RowId
from dispatch.errors import InvalidInput
from dispatch.kpis.service import ZONE, GroupBy, Period, compute_kpis

router = APIRouter(prefix="/api", tags=["KPIs / 指标"], responses=ERROR_RESPONSES)

KPI_DEFINITIONS = """\
Every figure is recomputed on each request from the event log (`events`) and the follow-up records, so any
past period can be recomputed and checked by hand. Periods are `[from, to)`; a bare date is a whole day in
Asia/Shanghai (`to` inclusive). Groups are (city, station); `total` covers every group. Percentiles are
nearest-rank (p-th of n sorted values is the one at rank ceil(p/100·n)); shares are 0..1, null when
nothing was measured.

**Rescue** — jobs whose `job.created` event falls in the period, followed through all their events:
- `jobs`: jobs called in. A job's station is that of the van that accepted it (none if no van did).
- `call_to_dispatch_min` p50/p90: `job.created` → first `job.status` to `offered` (the first van offered).
- `call_to_arrival_min` p50/p90: `job.created` → first `job.status` to `on_site`.
- `waiting_min` p50/p90: last acceptance (`job.status` to `accepted`) → arrival: the time the owner waits
  once help was promised.
- `arrived_within_target_share`: share of arrived jobs whose call-to-arrival is at most 30 min (target).
- `on_time_share`: of arrived jobs with a promised ETA (fixed at acceptance, `data.promised_eta_at`), the
  share that arrived at or before it.
- `offers_declined`, `offers_expired`: offers answered no or left unanswered (`job.status` back to
  `created` with `data.answer` `declined`/`expired`).
- `first_time_fix_rate`: jobs closed `completed` (repaired on site) ÷ jobs closed `completed`, `towed` or
  `failed` (cancelled jobs are left out).
- `jobs_uncovered`: jobs that were ever `uncovered` (no van within reach).

**Satisfaction** — responses recorded in the period (follow-up calls and owners' surveys):
- `csat_share`: share of satisfaction scores that are 4 or 5 (target ≥ 0.90).
- `nps`: % promoters (9-10) − % detractors (0-6) among recommendation scores (target ≥ 50).

**Escalations** — opened in the period: `opened`; `acknowledged_within_1h` (acknowledged at most one hour
after opening) and its share; `closed` (closed before the period's end).

**Countryside** (`campaigns`) — campaigns whose dates overlap the period: `owners_invited` (owners in the
campaign's area, the invitation list), `owners_booked` and `owners_served` (bookings with a
`booking.created` / `booking.served` event in the period), `reach_share` = served ÷ invited
(the reference campaign reached 80% of local cars).
"""


def _period(start: date | datetime, end: date | datetime) -> tuple[datetime, datetime]:
    def moment(value: date | datetime, *, day_end: bool) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=ZONE)
        day = value + timedelta(days=1) if day_end else value
        return datetime.combine(day, time(0), ZONE)

    period = moment(start, day_end=False), moment(end, day_end=True)
    if period[1] <= period[0]:
        raise InvalidInput("结束时间须晚于开始时间 / 'to' must be after 'from'", field="to")
    if period[1] - period[0] > timedelta(days=366):
        raise InvalidInput("统计周期最长一年 / A period is at most one year", field="to")
    return period


Start = Annotated[date | datetime, Query(alias="from", description="a date (Asia/Shanghai) or an ISO time")]
End = Annotated[
    date | datetime, Query(alias="to", description="a date (inclusive) or an ISO time (exclusive)")
]
City = Annotated[str | None, Query(alias="city", min_length=6, max_length=6, description="city adcode")]


def _kpis(session: Any, start: date | datetime, end: date | datetime, **filters: Any) -> dict[str, Any]:
    begin, finish = _period(start, end)
    return compute_kpis(session=session, period=Period(start=begin, end=finish, **filters))


@router.get("/kpis", summary="After-sales KPIs / 售后服务指标", description=KPI_DEFINITIONS)
def kpis(
    _staff: StaffDep,
    session: SessionDep,
    start: Start,
    end: End,
    city: City = None,
    station_id: RowId | None = None,
    group_by: GroupBy = "station",
) -> dict[str, Any]:
    return _kpis(session, start, end, city_adcode=city, station_id=station_id, group_by=group_by)


CSV_COLUMNS = [
    ("city_adcode", ("city_adcode",)),
    ("station_id", ("station_id",)),
    ("station_name", ("station_name",)),
    *[
        (name, ("rescue", *path))
        for name, path in [
            ("jobs", ("jobs",)),
            ("call_to_dispatch_p50_min", ("call_to_dispatch_min", "p50")),
            ("call_to_dispatch_p90_min", ("call_to_dispatch_min", "p90")),
            ("call_to_arrival_p50_min", ("call_to_arrival_min", "p50")),
            ("call_to_arrival_p90_min", ("call_to_arrival_min", "p90")),
            ("waiting_p50_min", ("waiting_min", "p50")),
            ("waiting_p90_min", ("waiting_min", "p90")),
            ("arrived_within_target_share", ("arrived_within_target_share",)),
            ("on_time_share", ("on_time_share",)),
            ("offers_declined", ("offers_declined",)),
            ("offers_expired", ("offers_expired",)),
            ("first_time_fix_rate", ("first_time_fix_rate",)),
            ("jobs_uncovered", ("jobs_uncovered",)),
        ]
    ],
    ("csat_responses", ("satisfaction", "csat_responses")),
    ("csat_share", ("satisfaction", "csat_share")),
    ("nps_responses", ("satisfaction", "nps_responses")),
    ("nps", ("satisfaction", "nps")),
    ("escalations_opened", ("escalations", "opened")),
    ("escalations_acknowledged_within_1h", ("escalations", "acknowledged_within_1h")),
    ("escalations_closed", ("escalations", "closed")),
]


@router.get(
    "/kpis.csv",
    summary="After-sales KPIs as CSV / 售后服务指标（CSV）",
    description="The groups of `GET /api/kpis`, one row each, then a row `total`; same definitions.\n\n"
    + KPI_DEFINITIONS,
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def kpis_csv(
    _staff: StaffDep,
    session: SessionDep,
    start: Start,
    end: End,
    city: City = None,
    station_id: RowId | None = None,
    group_by: GroupBy = "station",
) -> Response:
    figures = _kpis(session, start, end, city_adcode=city, station_id=station_id, group_by=group_by)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["scope", *(name for name, _ in CSV_COLUMNS)])
    for scope, group in [*(("group", g) for g in figures["groups"]), ("total", figures["total"])]:
        writer.writerow([scope, *(_dig(group, path) for _, path in CSV_COLUMNS)])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kpis.csv"'},
    )


def _dig(row: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = row
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return "" if value is None else value
