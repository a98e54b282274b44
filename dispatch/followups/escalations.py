"""Escalations: a low score or a complaint goes to the station's service manager, who must acknowledge
it within the hour; past that it is overdue and flagged to supervisors; closing needs a resolution note.

    open ──acknowledge──► acknowledged ──close(note)──► closed
      └───────────────close(note)──────────────────────┘
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from dispatch.errors import Conflict, InvalidInput, NotFound
from dispatch.events.service import record_event
from dispatch.followups.models import (
    Escalation,
    EscalationStatus,
    SatisfactionResponse,
    StationServiceManager,
)
from dispatch.followups.schedule import ESCALATION_ACK
from dispatch.jobs.lifecycle import affected_rows
from dispatch.notifications.outbox import enqueue_sms


def open_escalation(
    *, session: Session, response: SatisfactionResponse, reference: str, reason: str, now: datetime
) -> Escalation:
    """Open one escalation for `response`, text the station's service manager and tell the streams."""
    manager = session.get(StationServiceManager, response.station_id) if response.station_id else None
    assert response.id is not None
    escalation = Escalation(
        response_id=response.id,
        job_id=response.job_id,
        booking_id=response.booking_id,
        station_id=response.station_id,
        city_adcode=response.city_adcode,
        reference=reference,
        reason=reason[:200],
        manager_name=manager.name if manager else None,
        manager_phone=manager.phone if manager else None,
        opened_at=now,
        ack_due_at=now + ESCALATION_ACK,
    )
    session.add(escalation)
    session.flush()
    if manager is not None:
        enqueue_sms(
            session,
            template="escalation.opened",
            phone=manager.phone,
            context={
                "reference": reference,
                "reason": escalation.reason,
                "ack_due_at": escalation.ack_due_at.isoformat(),
            },
            now=now,
            job_id=response.job_id,
            booking_id=response.booking_id,
            respect_preference=False,
        )
    _event(session, escalation, "escalation.opened", actor="system", now=now)
    return escalation


def is_overdue(escalation: Escalation, now: datetime) -> bool:
    return escalation.status == EscalationStatus.OPEN and now >= escalation.ack_due_at


def list_escalations(
    *,
    session: Session,
    status: EscalationStatus | None,
    overdue: bool | None,
    now: datetime,
    limit: int,
    offset: int,
) -> tuple[int, Sequence[Escalation]]:
    conditions = []
    if status is not None:
        conditions.append(col(Escalation.status) == status)
    if overdue is not None:
        late = (col(Escalation.status) == EscalationStatus.OPEN) & (col(Escalation.ack_due_at) <= now)
        conditions.append(late if overdue else ~late)
    total = session.exec(select(func.count()).select_from(Escalation).where(*conditions)).one()
    rows = session.exec(
        select(Escalation).where(*conditions).order_by(col(Escalation.ack_due_at)).offset(offset).limit(limit)
    ).all()
    return int(total), rows


def get_escalation(*, session: Session, escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound(f"未找到升级工单 {escalation_id} / Escalation {escalation_id} not found")
    return escalation


def acknowledge(*, session: Session, escalation: Escalation, actor: str, now: datetime) -> Escalation:
    if escalation.status != EscalationStatus.OPEN:
        raise _not_open(escalation)
    escalation.status = EscalationStatus.ACKNOWLEDGED
    escalation.acknowledged_at = now
    escalation.acknowledged_by = actor
    session.add(escalation)
    session.flush()
    _event(session, escalation, "escalation.acknowledged", actor=actor, now=now)
    return escalation


def close(*, session: Session, escalation: Escalation, note: str, actor: str, now: datetime) -> Escalation:
    if not note.strip():
        raise InvalidInput("关闭需要填写处理结果 / Closing needs a resolution note", field="resolution_note")
    if escalation.status == EscalationStatus.CLOSED:
        raise _not_open(escalation)
    escalation.status = EscalationStatus.CLOSED
    escalation.closed_at = now
    escalation.closed_by = actor
    escalation.resolution_note = note.strip()
    session.add(escalation)
    session.flush()
    _event(session, escalation, "escalation.closed", actor=actor, now=now)
    return escalation


def flag_overdue(*, session: Session, now: datetime) -> int:
    """Flag each escalation that passed its deadline unacknowledged, once (an event supervisors see)."""
    late = session.exec(
        select(Escalation).where(
            col(Escalation.status) == EscalationStatus.OPEN,
            col(Escalation.ack_due_at) <= now,
            col(Escalation.overdue_flagged_at).is_(None),
        )
    ).all()
    flagged = 0
    for escalation in late:
        claimed = session.execute(
            update(Escalation)
            .where(col(Escalation.id) == escalation.id, col(Escalation.overdue_flagged_at).is_(None))
            .values(overdue_flagged_at=now)
            .execution_options(synchronize_session=False)
        )
        if affected_rows(claimed) == 1:
            _event(session, escalation, "escalation.overdue", actor="system", now=now)
            flagged += 1
    return flagged


def set_manager(
    *, session: Session, station_id: int, name: str, phone: str, now: datetime
) -> StationServiceManager:
    from dispatch.fleet.models import ServiceStation

    if session.get(ServiceStation, station_id) is None:
        raise NotFound(f"未找到服务站 {station_id} / Station {station_id} not found")
    manager = session.get(StationServiceManager, station_id) or StationServiceManager(
        station_id=station_id, name=name, phone=phone
    )
    manager.name, manager.phone, manager.updated_at = name, phone, now
    session.add(manager)
    session.flush()
    return manager


def _not_open(escalation: Escalation) -> Conflict:
    return Conflict(
        f"升级工单状态为 {escalation.status} / Escalation is {escalation.status}",
        details={"status": escalation.status},
    )


def _event(session: Session, escalation: Escalation, kind: str, *, actor: str, now: datetime) -> None:
    record_event(
        session,
        kind=kind,
        actor=actor,
        at=now,
        job_id=escalation.job_id,
        booking_id=escalation.booking_id,
        city_adcode=escalation.city_adcode,
        data={
            "escalation_id": escalation.id,
            "reference": escalation.reference,
            "station_id": escalation.station_id,
            "reason": escalation.reason,
            "ack_due_at": escalation.ack_due_at.isoformat(),
        },
    )
