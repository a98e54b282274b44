"""A van (and its crew) serves one campaign day at a time; a rescue van lent to a campaign stays out of
rescue matching that day.

The primary key (van, date) of ``campaign_van_days`` is the guarantee: two planners taking the same van at
the same moment cannot both succeed, whichever backend runs. The read before the insert only makes the
usual case's 409 name the clash without a failed statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dispatch.campaigns.models import Campaign, CampaignVanDay
from dispatch.errors import VanTaken
from dispatch.fleet.models import Van


def take_van_days(
    *, session: Session, campaign: Campaign, van_ids: Sequence[int], days: Sequence[date]
) -> None:
    """Book every (van, day) of `campaign`; ``VanTaken`` (409) names the first clash."""
    _refuse_clash(session, van_ids, days)
    try:
        with session.begin_nested():
            for van_id in van_ids:
                for day in days:
                    session.add(CampaignVanDay(van_id=van_id, service_date=day, campaign_id=campaign.id))
            session.flush()
    except IntegrityError:
        _refuse_clash(session, van_ids, days)
        raise


def vans_lent_on(*, session: Session, van_ids: Sequence[int], day: date) -> frozenset[int]:
    """Which of `van_ids` serve a campaign on `day`."""
    if not van_ids:
        return frozenset()
    rows = session.exec(
        select(CampaignVanDay.van_id).where(
            CampaignVanDay.service_date == day, col(CampaignVanDay.van_id).in_(list(van_ids))
        )
    ).all()
    return frozenset(rows)


def _refuse_clash(session: Session, van_ids: Sequence[int], days: Sequence[date]) -> None:
    clash = session.exec(
        select(CampaignVanDay, Campaign, Van)
        .join(Campaign, col(Campaign.id) == col(CampaignVanDay.campaign_id))
        .join(Van, col(Van.id) == col(CampaignVanDay.van_id))
        .where(
            col(CampaignVanDay.van_id).in_(list(van_ids)), col(CampaignVanDay.service_date).in_(list(days))
        )
        .order_by(col(CampaignVanDay.service_date), col(CampaignVanDay.van_id))
    ).first()
    if clash is None:
        return
    taken, other, van = clash
    index = list(van_ids).index(taken.van_id)
    raise VanTaken(
        f"车辆 {van.plate} 在 {taken.service_date} 已服务于活动 {other.reference} / "
        f"Van {van.plate} already serves campaign {other.reference} on {taken.service_date}",
        field=f"vans.{index}.van_id",
        details={
            "van_id": taken.van_id,
            "plate": van.plate,
            "service_date": taken.service_date.isoformat(),
            "campaign_id": str(other.id),
            "campaign_reference": other.reference,
        },
    )
