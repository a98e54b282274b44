"""What must hold after any fault, read straight from the database and from the clients' records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from tests.faults.driver import Ledger, StreamClient

HOLDING = "('offered', 'accepted', 'en_route', 'on_site', 'in_service')"


@dataclass
class Figures:
    """The closing note's numbers for one fault."""

    fault: str
    sent: int
    acknowledged: int
    found: int
    lost: int
    duplicated: int
    recover_s: float | None

    def row(self) -> str:
        recover = f"{self.recover_s:.1f}" if self.recover_s is not None else "-"
        return (
            f"{self.fault:<28} sent {self.sent:>5}  acknowledged {self.acknowledged:>5}  "
            f"found {self.found:>5}  "
            f"lost {self.lost:>3}  duplicated {self.duplicated:>3}  recover_s {recover}"
        )


def head_job_event(engine: Engine) -> int:
    with engine.connect() as db:
        return int(
            db.execute(text("SELECT coalesce(max(id), 0) FROM events WHERE job_id IS NOT NULL")).scalar_one()
        )


def check_writes(engine: Engine, ledger: Ledger) -> tuple[int, int, int]:
    """(found, lost, duplicated) over acknowledged intakes and status changes."""
    with engine.connect() as db:
        job_ids = {str(r[0]) for r in db.execute(text("SELECT id FROM rescue_jobs"))}
        per_plate = dict(
            db.execute(text("SELECT vehicle_plate, count(*) FROM rescue_jobs GROUP BY vehicle_plate")).all()
        )
        logged = {
            (str(job_id), to_status)
            for job_id, to_status in db.execute(
                text("SELECT job_id, to_status FROM events WHERE kind = 'job.status' AND job_id IS NOT NULL")
            )
        }
    found_jobs = sum(1 for job_id in ledger.jobs.values() if job_id in job_ids)
    found_statuses = sum(1 for status in ledger.statuses if status in logged)
    duplicated = sum(count - 1 for plate, count in per_plate.items() if plate in ledger.jobs and count > 1)
    found = found_jobs + found_statuses
    return found, len(ledger.jobs) + len(ledger.statuses) - found, duplicated


def assert_one_van_one_job(engine: Engine) -> None:
    with engine.connect() as db:
        vans_with_two = db.execute(
            text(
                f"SELECT van_id FROM rescue_jobs WHERE status IN {HOLDING} "
                "GROUP BY van_id HAVING count(*) > 1"
            )
        ).all()
        jobs_with_two = db.execute(
            text(
                "SELECT job_id FROM job_offers WHERE status IN ('pending', 'accepted') "
                "GROUP BY job_id HAVING count(*) > 1"
            )
        ).all()
        mismatched = db.execute(
            text(
                f"SELECT j.id FROM rescue_jobs j JOIN vans v ON v.id = j.van_id "
                f"WHERE j.status IN {HOLDING} AND v.current_job_id IS DISTINCT FROM j.id"
            )
        ).all()
    assert vans_with_two == [], "a van holds two jobs"
    assert jobs_with_two == [], "a job is with two vans"
    assert mismatched == [], "a job's van does not know it holds the job"


def assert_offers_answered_once(engine: Engine) -> int:
    """Every overdue offer has been expired (or answered), and each answer cascaded exactly once."""
    with engine.connect() as db:
        overdue = db.execute(
            text(
                "SELECT id FROM job_offers "
                "WHERE status = 'pending' AND expires_at < now() - interval '1 second'"
            )
        ).all()
        answers = db.execute(
            text(
                "SELECT o.id, o.status, count(e.id) FROM job_offers o LEFT JOIN events e "
                "ON e.kind = 'job.status' AND e.to_status = 'created' "
                "AND (e.data ->> 'offer_id')::int = o.id "
                "WHERE o.status IN ('expired', 'declined') GROUP BY o.id, o.status"
            )
        ).all()
    assert overdue == [], f"offers overdue and still pending: {overdue}"
    twice = [(offer_id, status, n) for offer_id, status, n in answers if n != 1]
    assert twice == [], f"offers whose answer did not cascade exactly once: {twice}"
    return sum(1 for _, status, _ in answers if status == "expired")


def assert_streams_complete(engine: Engine, clients: list[StreamClient], head: int) -> int:
    """Each client got every job event after its start up to `head`, in id order, once; returns duplicates."""
    with engine.connect() as db:
        logged = [
            int(r[0]) for r in db.execute(text("SELECT id FROM events WHERE job_id IS NOT NULL ORDER BY id"))
        ]
    duplicates = 0
    for client in clients:
        assert client.started_after is not None, f"{client.name} never connected"
        got = [i for i in client.received if i <= head]
        duplicates += len(got) - len(set(got))
        assert got == sorted(set(got)), f"{client.name}: out of order or duplicated"
        expected = [i for i in logged if client.started_after < i <= head]
        missing = sorted(set(expected) - set(got))
        near = [entry for entry in client.log if abs(entry[1] - missing[0]) < 8] if missing else []
        assert missing == [], (
            f"{client.name} missed {len(missing)} events: {_describe(engine, missing[:5])}; "
            f"received near: {near}"
        )
    return duplicates


def _describe(engine: Engine, ids: list[int]) -> list[tuple[object, ...]]:
    with engine.connect() as db:
        rows = db.execute(
            text("SELECT id, kind, actor, to_status, van_id, created_at FROM events WHERE id = ANY(:ids)"),
            {"ids": ids},
        )
        return [tuple(row) for row in rows]
