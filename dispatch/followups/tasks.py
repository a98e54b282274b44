"""Follow-up call tasks: created when a rescue or a countryside visit is completed, worked by agents.

- ``create_followups(...)``: the three calls (24 h, 3 d, 5 d) for a completed job or served booking;
  idempotent (one task per subject and step, a unique constraint decides).
- ``work_queue(...)``: open calls due by a moment, oldest due first.
- ``record_call(...)``: reached / no answer / call back later, with scores when the owner was reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dispatch.errors import Conflict, InvalidInput, NotFound
from dispatch.followups.models import CallOutcome, FollowUpTask, TaskStatus
from dispatch.followups.schedule import due_times, in_calling_hours
from dispatch.followups.scores import Scores, record_response
from dispatch.followups.subjects import Subject

CALL_BACK_DEFAULT = timedelta(hours=2)


def create_followups(*, session: Session, subject: Subject) -> list[FollowUpTask]:
    """Add the three calls for `subject` (none twice); returns the tasks this call added."""
    added = []
    assert subject.completed_at is not None, "follow-ups start at completion"
    existing = set(session.exec(select(FollowUpTask.step).where(FollowUpTask.subject_key == subject.key)))
    for step, due_at in due_times(subject.completed_at).items():
        if step in existing:
            continue
        task = FollowUpTask(
            subject_key=subject.key,
            job_id=subject.job_id,
            booking_id=subject.booking_id,
            station_id=subject.station_id,
            city_adcode=subject.city_adcode,
            step=step,
            owner_name=subject.owner_name,
            phone=subject.phone,
            reference=subject.reference,
            completed_at=subject.completed_at,
            due_at=due_at,
        )
        try:
            with session.begin_nested():
                session.add(task)
                session.flush()
        except IntegrityError:
            continue  # written meanwhile by another transaction
        added.append(task)
    return added


def work_queue(
    *, session: Session, due_by: datetime, city_adcode: str | None, limit: int, offset: int
) -> tuple[int, Sequence[FollowUpTask]]:
    """Open calls due by `due_by`, oldest first, and their total before paging."""
    conditions = [col(FollowUpTask.status) == TaskStatus.OPEN, col(FollowUpTask.due_at) <= due_by]
    if city_adcode:
        conditions.append(col(FollowUpTask.city_adcode) == city_adcode)
    total = session.exec(select(func.count()).select_from(FollowUpTask).where(*conditions)).one()
    rows = session.exec(
        select(FollowUpTask).where(*conditions).order_by(col(FollowUpTask.due_at), col(FollowUpTask.id))
        .offset(offset).limit(limit)
    ).all()  # fmt: skip
    return int(total), rows


def get_task(*, session: Session, task_id: int) -> FollowUpTask:
    task = session.get(FollowUpTask, task_id)
    if task is None:
        raise NotFound(f"未找到回访任务 {task_id} / Follow-up task {task_id} not found")
    return task


def record_call(
    *,
    session: Session,
    task: FollowUpTask,
    outcome: CallOutcome,
    scores: Scores,
    call_back_at: datetime | None,
    actor: str,
    now: datetime,
) -> FollowUpTask:
    """Record one call attempt on an open task; scores only when the owner was reached."""
    if task.status != TaskStatus.OPEN:
        raise Conflict(
            f"回访任务已完成（{task.status}）/ This follow-up call is already done ({task.status})",
            details={"status": task.status},
        )
    if outcome is not CallOutcome.REACHED and not scores.empty:
        raise InvalidInput("未接通不能记录评分 / Scores need the owner reached", field="outcome")
    task.attempts += 1
    task.last_outcome = outcome.value
    if outcome is CallOutcome.CALL_BACK_LATER:
        task.due_at = in_calling_hours(call_back_at or now + CALL_BACK_DEFAULT)
    else:
        task.status = TaskStatus.REACHED if outcome is CallOutcome.REACHED else TaskStatus.NO_ANSWER
        task.done_by = actor
        task.done_at = now
    session.add(task)
    session.flush()
    if outcome is CallOutcome.REACHED and not scores.empty:
        record_response(session=session, task=task, scores=scores, actor=actor, now=now)
    return task
