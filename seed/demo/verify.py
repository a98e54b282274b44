"""The end-of-run checks that need only the public API: every job closed or open for a reason, no van
holding two jobs, no event lost or doubled on the call-center stream, every acknowledged write on record.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from seed.demo.call_center import CallCenter
from seed.demo.client import User
from seed.demo.report import Report

WORKING = frozenset({"offered", "accepted", "en_route", "on_site", "in_service"})
CLOSED = frozenset({"completed", "towed", "cancelled", "failed"})
VIOLATION_SAMPLES = 5


async def check_invariants(
    agent: User, report: Report, call_center: CallCenter, *, drain: timedelta = timedelta(0)
) -> list[str]:
    # Our calls, and jobs a tablet picked up again from an earlier run (their writes were acknowledged too).
    touched = {key.split(":")[0] for keys in report.acknowledged.values() for key in keys}
    job_ids = list(dict.fromkeys([*report.jobs, *sorted(touched)]))
    jobs: dict[str, dict[str, Any]] = {}
    events: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(job_ids), 16):
        chunk = job_ids[start : start + 16]
        read = await asyncio.gather(*(agent.job(j) for j in chunk))
        trails = await asyncio.gather(*(agent.job_events(j) for j in chunk))
        jobs.update(zip(chunk, read, strict=True))
        events.update(zip(chunk, trails, strict=True))
    violations: list[str] = []
    violations += _open_for_a_reason(jobs, call_center.left_for_person)
    if _one_job_per_van(jobs):
        # Job reads are not one snapshot (offers still expire and cascade): read the suspects again.
        suspects = [j for j in jobs if jobs[j]["van_id"] in _one_job_per_van(jobs)]
        jobs.update(zip(suspects, await asyncio.gather(*(agent.job(j) for j in suspects)), strict=True))
        doubled = _one_job_per_van(jobs)
        violations += [f"vans holding two jobs: {doubled[:VIOLATION_SAMPLES]}"] if doubled else []
    violations += _stream_complete(events, call_center, report.stream_closed_at, drain)
    violations += _acknowledged_on_record(events, report)
    _record_outcomes(jobs, events, report)
    return violations


def _open_for_a_reason(jobs: dict[str, dict[str, Any]], left_for_person: set[str]) -> list[str]:
    unexplained = [
        f"{j['reference']} ({j['status']})"
        for j in jobs.values()
        if j["status"] not in CLOSED
        and j["status"] not in WORKING
        and j["status"] != "uncovered"
        and not j["needs_attention"]
        and str(j["id"]) not in left_for_person
    ]
    return (
        [f"{len(unexplained)} open jobs with no reason: {unexplained[:VIOLATION_SAMPLES]}"]
        if unexplained
        else []
    )


def _one_job_per_van(jobs: dict[str, dict[str, Any]]) -> list[int]:
    """Vans that more than one open job names as theirs."""
    holding = Counter(
        j["van_id"] for j in jobs.values() if j["status"] in WORKING and j["van_id"] is not None
    )
    return [van for van, n in holding.items() if n > 1]


def _stream_complete(
    events: dict[str, list[dict[str, Any]]],
    call_center: CallCenter,
    closed_at: datetime | None,
    drain: timedelta,
) -> list[str]:
    """Every event of our jobs after the stream's start, below its high-water mark and older than the
    drain before it closed, was received (later ones may still have been committing as it closed)."""
    if call_center.first_seam is None:
        return ["the call-center stream never became ready"]
    if not call_center.received:
        return []
    # Without last_event_id a stream starts live at connect (its ready seam is 0): expect what came after
    # the first event it delivered, not the history before it.
    seam, high = max(call_center.first_seam, min(call_center.received) - 1), max(call_center.received)
    cutoff = (closed_at - drain) if closed_at is not None else None
    missing = [
        e["id"]
        for trail in events.values()
        for e in trail
        if seam < e["id"] <= high
        and e["id"] not in call_center.received
        and (cutoff is None or datetime.fromisoformat(e["created_at"]) <= cutoff)
    ]
    doubled = [event_id for event_id, n in call_center.received.items() if n > 1]
    problems = []
    if missing:
        problems.append(
            f"{len(missing)} events never reached the call-center stream: {missing[:VIOLATION_SAMPLES]}"
        )
    if doubled:
        problems.append(f"{len(doubled)} events delivered twice: {doubled[:VIOLATION_SAMPLES]}")
    return problems


def _acknowledged_on_record(events: dict[str, list[dict[str, Any]]], report: Report) -> list[str]:
    """Acknowledged status moves appear exactly once; acknowledged parts and photos are in the trail."""
    problems: list[str] = []
    statuses = Counter(
        f"{job_id}:{e['to_status']}" for job_id, trail in events.items() for e in trail if e.get("to_status")
    )
    missing = [k for k in report.acknowledged.get("status", set()) if statuses[k] == 0]
    if missing:
        problems.append(
            f"{len(missing)} acknowledged status moves not on record: {missing[:VIOLATION_SAMPLES]}"
        )
    for what, kind in (("parts", "job.parts"), ("photo", "job.photo")):
        absent = [
            j for j in report.acknowledged.get(what, set()) if not any(e["kind"] == kind for e in events[j])
        ]
        if absent:
            problems.append(
                f"{len(absent)} acknowledged {what} writes not on record: {absent[:VIOLATION_SAMPLES]}"
            )
    doubled = [
        f"{job_id}:{e['to_status']}"
        for job_id, trail in events.items()
        for e in trail
        if e.get("to_status") in ("en_route", "on_site", "in_service", "completed", "towed")
        and statuses[f"{job_id}:{e['to_status']}"] > 1
    ]
    if doubled:
        problems.append(f"status moves applied twice: {sorted(set(doubled))[:VIOLATION_SAMPLES]}")
    return problems


def _record_outcomes(
    jobs: dict[str, dict[str, Any]], events: dict[str, list[dict[str, Any]]], report: Report
) -> None:
    """Closed statuses and the ETA promised at acceptance, from the server's record."""
    for job_id, job in jobs.items():
        trace = report.jobs.get(job_id)
        if trace is None:
            continue
        if job["status"] in CLOSED:
            trace.closed_status = job["status"]
        if job.get("promised_eta_at"):
            trace.promised_eta_at = datetime.fromisoformat(job["promised_eta_at"])
