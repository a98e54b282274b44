"""The call center's outbound list: owners in the campaign area, most overdue for maintenance first."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from dispatch.campaigns.area import in_area, polygon_of
from dispatch.campaigns.models import Booking, BookingStatus, Campaign
from dispatch.campaigns.schemas import Invitation, VehicleDue
from dispatch.owners.models import Owner, Vehicle

SERVICE_INTERVAL_MONTHS = 12.0
SERVICE_INTERVAL_KM = 10_000.0
DAYS_PER_MONTH = 30.44


def vehicle_due(vehicle: Vehicle, today: date) -> VehicleDue:
    """How overdue a vehicle is: the larger of time and distance since its last service, per interval.

    A vehicle with no service on record counts as due at least once over (ratio >= 1).
    """
    if vehicle.last_service_date is None:
        km_since = vehicle.mileage_km
        months_since = None
        ratio = max(1.0, km_since / SERVICE_INTERVAL_KM)
    else:
        km_since = max(0, vehicle.mileage_km - (vehicle.last_service_mileage_km or 0))
        months_since = round((today - vehicle.last_service_date).days / DAYS_PER_MONTH, 1)
        ratio = max(months_since / SERVICE_INTERVAL_MONTHS, km_since / SERVICE_INTERVAL_KM)
    return VehicleDue(
        vehicle_id=vehicle.id or 0,
        plate=vehicle.plate,
        model=vehicle.model,
        last_service_date=vehicle.last_service_date,
        km_since_service=km_since,
        months_since_service=months_since,
        overdue_ratio=round(ratio, 2),
    )


def owners_in_area(session: Session, campaign: Campaign) -> list[Owner]:
    """Owners the CRM places in the campaign's counties, or whose address lies inside its polygon."""
    if campaign.area_geojson is None:
        query = select(Owner).where(col(Owner.county_adcode).in_(campaign.county_adcodes))
        return list(session.exec(query.order_by(col(Owner.id))))
    west, south, east, north = polygon_of(campaign.area_geojson).bounds
    query = select(Owner).where(col(Owner.lat).between(south, north), col(Owner.lon).between(west, east))
    return [
        owner
        for owner in session.exec(query.order_by(col(Owner.id)))
        if in_area(owner.lat, owner.lon, county_adcodes=campaign.county_adcodes, area=campaign.area_geojson)
    ]


def invitation_list(
    *, session: Session, campaign: Campaign, today: date, limit: int, offset: int
) -> tuple[list[Invitation], int]:
    """Owners in the area with their vehicles, most overdue first (a page, and how many in all); owners
    already booked are flagged."""
    owners = owners_in_area(session, campaign)
    owner_ids = [o.id for o in owners]
    vehicles: dict[int, list[Vehicle]] = {}
    for vehicle in session.exec(select(Vehicle).where(col(Vehicle.owner_id).in_(owner_ids))):
        vehicles.setdefault(vehicle.owner_id, []).append(vehicle)
    booked = set(
        session.exec(
            select(Booking.owner_id).where(
                Booking.campaign_id == campaign.id, Booking.status == BookingStatus.BOOKED
            )
        )
    )
    rows = []
    for owner in owners:
        dues = sorted(
            (vehicle_due(v, today) for v in vehicles.get(owner.id or 0, [])), key=lambda d: -d.overdue_ratio
        )
        rows.append(
            Invitation(
                owner_id=owner.id or 0,
                name=owner.name,
                phone=owner.phone,
                address=owner.address,
                county_adcode=owner.county_adcode,
                lat=owner.lat,
                lon=owner.lon,
                overdue_ratio=dues[0].overdue_ratio if dues else 0.0,
                already_booked=owner.id in booked,
                vehicles=dues,
            )
        )
    rows.sort(key=lambda r: (r.already_booked, -r.overdue_ratio, r.owner_id))
    return rows[offset : offset + limit], len(rows)
