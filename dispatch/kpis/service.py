"""Compute the KPIs of a period from the event log and the follow-up records (see README, "KPIs").

Rescue figures follow the jobs called in during the period (their ``job.created`` event falls in it) through
all their events, so a period's figures do not change as later periods happen except for jobs still open.
Satisfaction counts responses recorded in the period; escalations those opened in it; countryside reach the
campaigns running in it. Groups are (city, station): a job belongs to the station of the van that accepted
it (none when no van did), a response and an escalation to the station that served the owner.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dispatch.campaigns.invitations import owners_in_area
from dispatch.campaigns.models import Booking, Campaign
from dispatch.events.models import Event
from dispatch.fleet.models import ServiceStation, Van
from dispatch.followups.models import Escalation, SatisfactionResponse
from dispatch.followups.schedule import ESCALATION_ACK
from dispatch.kpis.figures import (
    CSAT_TARGET,
    NPS_TARGET,
    WAITING_TARGET_MIN,
    EscalationFigures,
    JobTrail,
    RescueFigures,
    SatisfactionFigures,
    share,
)

GroupBy = Literal["station", "city"]
GroupKey = tuple[str | None, int | None]
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    city_adcode: str | None = None
    station_id: int | None = None
    group_by: GroupBy = "station"

    def key(self, city: str | None, station: int | None) -> GroupKey | None:
        """The group a row falls in, or None when the filters leave it out."""
        if self.city_adcode is not None and city != self.city_adcode:
            return None
        if self.station_id is not None and station != self.station_id:
            return None
        return (city, station if self.group_by == "station" else None)


@dataclass
class Group:
    rescue: RescueFigures
    satisfaction: SatisfactionFigures
    escalations: EscalationFigures

    @classmethod
    def empty(cls) -> Group:
        return cls(RescueFigures(), SatisfactionFigures(), EscalationFigures())


def compute_kpis(*, session: Session, period: Period) -> dict[str, Any]:
    groups: dict[GroupKey, Group] = defaultdict(Group.empty)
    total = Group.empty()
    van_station = dict(session.exec(select(Van.id, Van.station_id)).all())
    for trail in _job_trails(session, period):
        key = period.key(trail.city_adcode, van_station.get(trail.van_id) if trail.van_id else None)
        if key is not None:
            groups[key].rescue.add(trail)
            total.rescue.add(trail)
    for city, station, csat, nps in _responses(session, period):
        key = period.key(city, station)
        if key is not None:
            groups[key].satisfaction.add(csat, nps)
            total.satisfaction.add(csat, nps)
    for escalation in _escalations(session, period):
        key = period.key(escalation.city_adcode, escalation.station_id)
        if key is not None:
            for figures in (groups[key].escalations, total.escalations):
                _count_escalation(figures, escalation, period.end)
    names = dict(session.exec(select(ServiceStation.id, ServiceStation.name)).all())
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "group_by": period.group_by,
        "targets": {
            "arrival_within_min": WAITING_TARGET_MIN,
            "csat_share": CSAT_TARGET,
            "nps": NPS_TARGET,
        },
        "total": _group_json(None, None, None, total),
        "groups": [
            _group_json(city, station, names.get(station) if station else None, group)
            for (city, station), group in sorted(
                groups.items(), key=lambda item: (item[0][0] or "", item[0][1] or 0)
            )
        ],
        "campaigns": campaign_reach(session=session, period=period),
    }


def _group_json(city: str | None, station: int | None, name: str | None, group: Group) -> dict[str, Any]:
    return {
        "city_adcode": city,
        "station_id": station,
        "station_name": name,
        "rescue": group.rescue.summary(),
        "satisfaction": group.satisfaction.summary(),
        "escalations": group.escalations.summary(),
    }


def _job_trails(session: Session, period: Period) -> list[JobTrail]:
    in_period = (
        col(Event.kind) == "job.created",
        col(Event.created_at) >= period.start,
        col(Event.created_at) < period.end,
    )
    trails: dict[uuid.UUID, JobTrail] = {}
    for job_id, at, city in session.exec(
        select(Event.job_id, Event.created_at, Event.city_adcode).where(*in_period)
    ):
        if job_id is not None:
            trails[job_id] = JobTrail(job_id=job_id, called_at=at, city_adcode=city)
    cohort = select(Event.job_id).where(*in_period).scalar_subquery()
    rows = session.execute(
        sa_select(
            col(Event.job_id),
            col(Event.kind),
            col(Event.to_status),
            col(Event.created_at),
            col(Event.van_id),
            col(Event.data),
        )
        .where(col(Event.kind) == "job.status", col(Event.job_id).in_(cohort))
        .order_by(col(Event.id))
    )
    for job_id, kind, to_status, at, van_id, data in rows:
        trail = trails.get(job_id) if job_id is not None else None
        if trail is not None:
            trail.apply(kind, to_status, at, van_id, data)
    return list(trails.values())


def _responses(
    session: Session, period: Period
) -> list[tuple[str | None, int | None, int | None, int | None]]:
    rows = session.exec(
        select(
            SatisfactionResponse.city_adcode,
            SatisfactionResponse.station_id,
            SatisfactionResponse.csat,
            SatisfactionResponse.nps,
        ).where(
            col(SatisfactionResponse.recorded_at) >= period.start,
            col(SatisfactionResponse.recorded_at) < period.end,
        )
    )
    return list(rows.all())


def _escalations(session: Session, period: Period) -> list[Escalation]:
    return list(
        session.exec(
            select(Escalation).where(
                col(Escalation.opened_at) >= period.start, col(Escalation.opened_at) < period.end
            )
        )
    )


def _count_escalation(figures: EscalationFigures, escalation: Escalation, end: datetime) -> None:
    figures.opened += 1
    acked = escalation.acknowledged_at
    if acked is not None and acked - escalation.opened_at <= ESCALATION_ACK:
        figures.acknowledged_within_1h += 1
    if escalation.closed_at is not None and escalation.closed_at < end:
        figures.closed += 1


def campaign_reach(*, session: Session, period: Period) -> list[dict[str, Any]]:
    """Per campaign running in the period: owners invited (in its area), booked and served in the period."""
    first_day = period.start.astimezone(ZONE).date()
    last_day = (period.end - timedelta(microseconds=1)).astimezone(ZONE).date()
    campaigns = session.exec(
        select(Campaign).where(col(Campaign.start_date) <= last_day, col(Campaign.end_date) >= first_day)
    ).all()
    stations = {s.id: s for s in session.exec(select(ServiceStation))}
    out = []
    for campaign in campaigns:
        station = stations.get(campaign.host_station_id)
        city = station.city_adcode if station is not None else None
        if period.key(city, campaign.host_station_id) is None:
            continue
        invited = len(owners_in_area(session, campaign))
        booked = _booking_events(session, campaign.id, "booking.created", period)
        served = _booking_events(session, campaign.id, "booking.served", period)
        out.append(
            {
                "campaign_id": str(campaign.id),
                "reference": campaign.reference,
                "name": campaign.name,
                "city_adcode": city,
                "station_id": campaign.host_station_id,
                "owners_invited": invited,
                "owners_booked": booked,
                "owners_served": served,
                "reach_share": share(served, invited),
            }
        )
    return out


def _booking_events(session: Session, campaign_id: uuid.UUID, kind: str, period: Period) -> int:
    bookings = select(Booking.id).where(Booking.campaign_id == campaign_id).scalar_subquery()
    query = (
        select(func.count(func.distinct(Event.booking_id)))
        .select_from(Event)
        .where(
            col(Event.kind) == kind,
            col(Event.booking_id).in_(bookings),
            col(Event.created_at) >= period.start,
            col(Event.created_at) < period.end,
        )
    )
    return int(session.exec(query).one())
