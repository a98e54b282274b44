"""Call-center look-ups while a call is taken: known vehicles, a location preview, city names."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from dispatch.api.deps import AgentDep, SessionDep, StaffDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.api.totals import TOTAL_COUNT_HEADER, set_total_count
from dispatch.jobs.geocoding import OnlineGeocoder
from dispatch.jobs.intake_aids import find_vehicles, prefecture_city_names, preview_location
from dispatch.jobs.models import GeocodePrecision, LocationSource
from dispatch.jobs.schemas import LocationIn
from dispatch.jobs.views import online_geocoder
from dispatch.owners.models import Powertrain
from dispatch.owners.plates import PlateIn

# A VIN as typed into a search box: upper-cased before it is checked (17 characters, no I, O or Q).
VinQuery = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=32),
    AfterValidator(str.upper),
    StringConstraints(pattern=r"^[A-HJ-NPR-Z0-9]{17}$"),
]

router = APIRouter(prefix="/api/call-center", tags=["call center / 呼叫中心"], responses=ERROR_RESPONSES)


class VehicleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plate: str
    vin: str
    model: str
    powertrain: Powertrain
    last_service_date: date | None


class GeocodeRequest(BaseModel):
    location: LocationIn


class GeocodeRead(BaseModel):
    lat: float
    lon: float
    precision: GeocodePrecision
    source: LocationSource
    matched: str
    province_name: str
    city_adcode: str | None
    city_name: str
    county_adcode: str | None
    county_name: str


class CityRead(BaseModel):
    adcode: str
    name: str
    province_name: str


@router.get(
    "/vehicles",
    response_model=list[VehicleRead],
    summary="A registered vehicle by plate or VIN / 按车牌或车架号查车辆 (agent)",
    responses=TOTAL_COUNT_HEADER,
)
def vehicles(
    _user: AgentDep,
    session: SessionDep,
    response: Response,
    plate: Annotated[PlateIn | None, Query()] = None,
    vin: Annotated[VinQuery | None, Query()] = None,
) -> list[VehicleRead]:
    found = find_vehicles(session=session, plate=plate, vin=vin)
    set_total_count(response, len(found))
    return [VehicleRead.model_validate(v) for v in found]


@router.post(
    "/geocode",
    response_model=GeocodeRead,
    summary="Where an address or coordinates land, before creating a job / 位置预览 (agent)",
)
def geocode(
    body: GeocodeRequest,
    _user: AgentDep,
    online: Annotated[OnlineGeocoder | None, Depends(online_geocoder)],
) -> GeocodeRead:
    """The WGS-84 point, precision and divisions a new job would get from the same `location`."""
    preview = preview_location(body.location, online)
    place = preview.place
    return GeocodeRead(
        lat=place.lat,
        lon=place.lon,
        precision=place.precision,
        source=preview.source,
        matched=place.matched,
        province_name=place.province_name,
        city_adcode=place.city_adcode,
        city_name=preview.city_name,
        county_adcode=place.county_adcode,
        county_name=preview.county_name,
    )


@router.get(
    "/cities",
    response_model=list[CityRead],
    summary="Prefecture-level cities with their names / 地级市名称 (staff)",
    responses=TOTAL_COUNT_HEADER,
)
def cities(
    _user: StaffDep,
    response: Response,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$", description="two-digit province code")] = None,
) -> list[CityRead]:
    found = prefecture_city_names(province)
    set_total_count(response, len(found))
    return [CityRead(adcode=c.adcode, name=c.name, province_name=c.province_name) for c in found]
