"""Agents' calls and chats: logged, checked against the compliance rules, recordings expired."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from salesloop.web.auth import Principal, ensure_within_scope

from service_desk import events as ev
from service_desk.commands.common import acting_agent, check_references, new_id, utcnow, when
from service_desk.config import DeskConfig
from service_desk.domain.errors import RuleViolation
from service_desk.domain.interactions import Interaction
from service_desk.models import InteractionRow, QaViolationRow
from service_desk.repository import active_rules


def log_interaction(uow, desk: DeskConfig, principal: Principal, data: dict) -> InteractionRow:
    now = utcnow()
    check_references(uow, principal, data)
    started_at = when(data, "started_at", now)
    interaction = Interaction.log(
        id=new_id(), agent_id=acting_agent(principal, data.get("agent_id")), customer_id=data.get("customer_id"),
        channel=data["channel"], direction=data.get("direction", "inbound"), started_at=started_at,
        ended_at=_ended_at(data, started_at), content=data.get("content", ""),
        recording_ref=data.get("recording_ref"), retention=_retention(desk, data), ticket_id=data.get("ticket_id"),
    )
    hits = interaction.compliance_hits(active_rules(uow, desk.initial_rules))
    row = _row(interaction, principal, data, now)
    ensure_within_scope(principal, principal.user, row.team, row.region)
    row.violations = [_violation(hit, now) for hit in hits]
    row.violation_count = len(hits)
    uow.add(row)
    uow.flush()
    _publish(uow, row)
    return row


def purge_expired_recordings(uow, now: datetime) -> int:
    """Drop recording references past their retention date; the log entry itself stays."""
    rows = uow.session.execute(
        select(InteractionRow).where(InteractionRow.recording_ref.is_not(None),
                                     InteractionRow.recording_retained_until <= now)
    ).scalars().all()
    for row in rows:
        row.recording_ref, row.recording_purged_at = None, now
    return len(rows)


def _ended_at(data: dict, started_at: datetime) -> datetime | None:
    if data.get("ended_at") is not None and data.get("duration_seconds") is not None:
        raise RuleViolation("give either ended_at or duration_seconds, not both")
    if data.get("duration_seconds") is not None:
        return started_at + timedelta(seconds=data["duration_seconds"])
    return data.get("ended_at")


def _retention(desk: DeskConfig, data: dict) -> timedelta:
    days = data.get("recording_retention_days")
    return timedelta(days=days) if days else desk.recording_retention


def _row(interaction: Interaction, principal: Principal, data: dict, now: datetime) -> InteractionRow:
    duration = interaction.duration
    return InteractionRow(
        id=interaction.id, agent_id=interaction.agent_id, team=data.get("team") or principal.team,
        region=data.get("region") or principal.region, customer_id=interaction.customer_id,
        ticket_id=interaction.ticket_id, channel=str(interaction.channel), direction=str(interaction.direction),
        started_at=interaction.started_at, ended_at=interaction.ended_at,
        duration_seconds=int(duration.total_seconds()) if duration is not None else None,
        content=interaction.content, customer_feedback=data.get("customer_feedback"),
        recording_ref=interaction.recording_ref, recording_retained_until=interaction.recording_retained_until,
        logged_at=now, logged_by=principal.user,
    )


def _violation(hit, now: datetime) -> QaViolationRow:
    return QaViolationRow(rule_id=hit.rule_id, category=str(hit.category), severity=str(hit.severity),
                          start_offset=hit.start, end_offset=hit.end, matched=hit.matched, excerpt=hit.excerpt,
                          detected_at=now)


def _publish(uow, row: InteractionRow) -> None:
    who = {"interaction_id": row.id, "agent_id": row.agent_id, "team": row.team, "region": row.region,
           "channel": row.channel, "customer_id": row.customer_id}
    uow.publish(ev.INTERACTION_LOGGED, {
        **who, "direction": row.direction, "ticket_id": row.ticket_id, "started_at": row.started_at,
        "duration_seconds": row.duration_seconds, "violation_count": row.violation_count,
        "has_recording": row.recording_ref is not None,
    }, subject=row.id)
    for violation in row.violations:
        uow.publish(ev.QA_VIOLATION, {
            **who, "rule_id": violation.rule_id, "category": violation.category, "severity": violation.severity,
            "excerpt": violation.excerpt, "matched": violation.matched, "detected_at": violation.detected_at,
        }, subject=row.id)
