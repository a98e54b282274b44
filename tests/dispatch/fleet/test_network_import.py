"""CSV import of a whole network: every bad row reported by file, line and column; all rows or none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.fleet.models import ServiceStation, Technician, Van, VanStatus
from dispatch.jobs.matching import search_candidates
from dispatch.settings import Settings
from tests.dispatch.fleet.conftest import example_files
from tests.dispatch.jobs.conftest import insert_job

Auth = Callable[[str], dict[str, str]]


def _count(db: Session, table: Any) -> int:
    return int(db.exec(select(func.count()).select_from(table)).one())


def _counts(db: Session) -> tuple[int, int, int]:
    return _count(db, ServiceStation), _count(db, Van), _count(db, Technician)


def test_the_example_network_imports_and_reimporting_it_changes_nothing(
    client: TestClient, auth: Auth, db: Session
) -> None:
    before = _counts(db)
    first = client.post("/api/fleet/import", files=example_files(), headers=auth("admin"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["ok"] and not body["dry_run"] and body["errors"] == []
    assert body["created"] == {"stations": 3, "vans": 4, "crews": 5, "shifts": 4}
    assert _counts(db) == (before[0] + 3, before[1] + 4, before[2] + 5)

    again = client.post("/api/fleet/import", files=example_files(), headers=auth("admin")).json()
    assert again["created"] == {"stations": 0, "vans": 0, "crews": 0, "shifts": 0}
    assert again["updated"] == {"stations": 0, "vans": 0, "crews": 0, "shifts": 0}
    assert again["unchanged"] == {"stations": 3, "vans": 4, "crews": 5, "shifts": 4}
    assert _counts(db) == (before[0] + 3, before[1] + 4, before[2] + 5)

    van = db.exec(select(Van).where(Van.plate == "浙BR0001")).one()  # "浙B R0001" in the file
    assert van.capabilities == ["ev", "light_repair", "tow"]
    night = db.exec(select(Van).where(Van.plate == "浙BR0002")).one()
    assert (night.shift_start.hour, night.shift_end.hour) == (20, 8)
    crew = db.exec(select(Technician).where(Technician.van_id == van.id)).all()
    assert sorted(t.name for t in crew) == ["吴海波", "周建国"]
    qingtian = db.exec(select(ServiceStation).where(ServiceStation.code == "QT-01")).one()
    assert qingtian.city_adcode == "331100"
    assert abs(qingtian.lat - 28.1431) > 0.001, "the GCJ-02 row was converted to WGS-84"


def test_an_edited_row_updates_only_that_row(client: TestClient, auth: Auth, db: Session) -> None:
    client.post("/api/fleet/import", files=example_files(), headers=auth("admin"))
    files = example_files()
    shifts = files["shifts"][1].decode().replace("浙JR0003,08:00,20:00", "浙JR0003,09:00,21:00")
    files["shifts"] = ("shifts.csv", shifts.encode(), "text/csv")
    body = client.post("/api/fleet/import", files=files, headers=auth("admin")).json()
    assert body["updated"]["shifts"] == 1 and body["unchanged"]["shifts"] == 3
    van = db.exec(select(Van).where(Van.plate == "浙JR0003")).one()
    db.refresh(van)
    assert (van.shift_start.hour, van.shift_end.hour) == (9, 21)


def test_a_dry_run_counts_without_writing(client: TestClient, auth: Auth, db: Session) -> None:
    before = _counts(db)
    response = client.post("/api/fleet/import?dry_run=true", files=example_files(), headers=auth("admin"))
    assert response.status_code == 200
    assert response.json()["dry_run"] and response.json()["created"]["vans"] == 4
    assert _counts(db) == before
    assert db.exec(select(Van).where(Van.plate == "浙BR0001")).first() is None


BAD_STATIONS = """code,name,star_rating,lat,lon,address,county_adcode
GOOD-1,好站,4,29.29,121.42,宁海县某路1号,330226
BAD-1,坏站,9,29.29,121.42,宁海县某路2号,330226
BAD-2,坏站二,3,north,121.42,宁海县某路3号,999999
GOOD-1,重复,4,29.29,121.42,宁海县某路4号,330226
"""
BAD_VANS = """plate,kind,station_code,capabilities
浙BX0001,rescue,GOOD-1,light_repair;jetpack
浙BX0002,tank,NOWHERE,light_repair
浙BX0003,rescue,GOOD-1,tow
"""
BAD_SHIFTS = """plate,shift_start,shift_end
浙BX0001,08:00,20:00
浙BX0002,8am,20:00
浙ZZ9999,08:00,20:00
"""


def _bad_files() -> dict[str, tuple[str, bytes, str]]:
    return {
        "stations": ("stations.csv", BAD_STATIONS.encode(), "text/csv"),
        "vans": ("vans.csv", BAD_VANS.encode(), "text/csv"),
        "shifts": ("shifts.csv", BAD_SHIFTS.encode(), "text/csv"),
    }


EXPECTED_PROBLEMS = {
    ("shifts.csv", 3, "shift_start"),
    ("shifts.csv", 4, "plate"),
    ("stations.csv", 3, "star_rating"),
    ("stations.csv", 4, "lat"),
    ("stations.csv", 4, "county_adcode"),
    ("stations.csv", 5, "code"),
    ("vans.csv", 2, "capabilities"),
    ("vans.csv", 3, "kind"),
    ("vans.csv", 4, "plate"),
}


def test_every_bad_row_is_reported_by_file_line_and_column(
    client: TestClient, auth: Auth, db: Session
) -> None:
    before = _counts(db)
    dry = client.post("/api/fleet/import?dry_run=true", files=_bad_files(), headers=auth("admin"))
    assert dry.status_code == 200
    problems = {(e["file"], e["line"], e["column"]) for e in dry.json()["errors"]}
    assert problems == EXPECTED_PROBLEMS
    assert not dry.json()["ok"]

    real = client.post("/api/fleet/import", files=_bad_files(), headers=auth("admin"))
    assert real.status_code == 422
    error = real.json()["error"]
    assert error["field"] == "files"
    assert {(e["file"], e["line"], e["column"]) for e in error["details"]["errors"]} == EXPECTED_PROBLEMS
    assert _counts(db) == before, "the good rows were not written either"
    assert db.exec(select(ServiceStation).where(ServiceStation.code == "GOOD-1")).first() is None


def test_file_level_problems_are_reported(client: TestClient, auth: Auth) -> None:
    files = {
        "stations": ("stations.csv", b"code,name,colour\nA,B,red\n", "text/csv"),
        "crews": ("crews.csv", "phone,name\n".encode("utf-16"), "text/csv"),
    }
    body = client.post("/api/fleet/import?dry_run=true", files=files, headers=auth("admin")).json()
    problems = {(e["file"], e["line"], e["column"]) for e in body["errors"]}
    assert ("stations.csv", 1, "colour") in problems
    assert ("stations.csv", 1, "star_rating") in problems
    assert ("crews.csv", 0, None) in problems


def test_only_admins_import(client: TestClient, auth: Auth) -> None:
    for user in ("agent", "planner", "tech001"):
        response = client.post("/api/fleet/import", files=example_files(), headers=auth(user))
        assert response.status_code == 403
    assert client.post("/api/fleet/import", files=example_files()).status_code == 401


def test_a_van_retired_by_import_is_never_matched(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, settings: Settings
) -> None:
    client.post("/api/fleet/import", files=example_files(), headers=auth("admin"))
    job = insert_job(db, clock.now(), lat=29.30, lon=121.43, city_adcode="330200", county_adcode="330226")
    plates = {
        c.plate for c in search_candidates(session=db, job=job, now=clock.now(), settings=settings).candidates
    }
    assert "浙BR0001" in plates

    files = example_files()
    vans = files["vans"][1].decode().replace("light_repair;tow;ev,available", "light_repair;tow;ev,retired")
    files["vans"] = ("vans.csv", vans.encode(), "text/csv")
    refused = client.post("/api/fleet/import", files=files, headers=auth("admin"))
    assert refused.status_code == 422, "crews.csv still puts two technicians on the retired van"
    assert {(e["file"], e["column"]) for e in refused.json()["error"]["details"]["errors"]} == {
        ("crews.csv", "van_plate")
    }
    crews = files["crews"][1].decode().replace(",浙BR0001,", ",,")
    files["crews"] = ("crews.csv", crews.encode(), "text/csv")
    body = client.post("/api/fleet/import", files=files, headers=auth("admin")).json()
    assert body["updated"]["vans"] == 1
    van = db.exec(select(Van).where(Van.plate == "浙BR0001")).one()
    db.refresh(van)
    assert van.status == VanStatus.RETIRED and van.retired_at is not None
    plates = {
        c.plate for c in search_candidates(session=db, job=job, now=clock.now(), settings=settings).candidates
    }
    assert "浙BR0001" not in plates
    assert db.exec(select(Technician).where(Technician.van_id == van.id)).all() == []

    again = client.post("/api/fleet/import", files=files, headers=auth("admin")).json()
    assert again["updated"] == {"stations": 0, "vans": 0, "crews": 0, "shifts": 0}
