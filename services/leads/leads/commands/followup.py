"""Following a lead up: contacts logged, qualification, disqualification, missed deadlines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from leads import events
from leads.commands.common import new_id, remember, utcnow
from leads.domain import lifecycle
from leads.domain.lifecycle import ContactState, LeadStatus, transition
from leads.domain.overdue import FollowupState, newly_overdue
from leads.models import Activity, Lead
from leads.repository import LOADED_STATUSES, customer_class
from leads.repository import load_rules


def log_contact(uow, lead: Lead, data: dict, *, by: str, now: datetime | None = None) -> Activity:
    """The first contact on an assigned lead makes it contacted; every one sets the next deadline.

    Without a next-step due time the next deadline is the grade's follow-up
    period from the contact (so a lead never silently drops off the radar).
    """
    now = now or utcnow()
    activity = lifecycle.Activity(
        activity_id=new_id(), lead_id=lead.id, kind=data["kind"], outcome=data["outcome"],
        next_step=data["next_step"], occurred_at=data.get("occurred_at") or now, by=by,
        summary=data.get("summary") or "", next_step_due_at=data.get("next_step_due_at"))
    logged = lifecycle.log_activity(ContactState(lead.status, lead.first_contact_at), activity, now)
    due = logged.followup_due_at or load_rules(uow.session).deadline(
        activity.occurred_at, lead.grade or "low", customer_class(uow.session, lead.customer_id))
    lead.status, lead.first_contact_at, lead.followup_due_at = logged.status.value, logged.first_contact_at, due
    lead.last_activity_at = max(filter(None, (lead.last_activity_at, activity.occurred_at)))
    lead.updated_at = now
    row = Activity(id=activity.activity_id, lead_id=lead.id, customer_id=lead.customer_id, rep_id=by,
                   kind=activity.kind.value, outcome=activity.outcome.value, summary=activity.summary,
                   next_step=activity.next_step.strip(), next_step_due_at=activity.next_step_due_at,
                   occurred_at=activity.occurred_at, first_contact=logged.was_first_contact, created_at=now)
    uow.add(row)
    remember(uow, lead.id, "activity", by, now, {"activity_id": row.id, "kind": row.kind, "outcome": row.outcome})
    uow.publish("leads.activity.logged", events.activity_logged(row, lead), subject=lead.id)
    return row


def qualify(uow, lead: Lead, *, by: str, note: str | None = None, now: datetime | None = None) -> Lead:
    now = now or utcnow()
    lead.status = transition(lead.status, LeadStatus.QUALIFIED).value
    lead.qualified_at = lead.updated_at = now
    remember(uow, lead.id, "qualified", by, now, {"note": note} if note else None)
    uow.publish("leads.lead.qualified", events.qualified(lead), subject=lead.id)
    return lead


def disqualify(uow, lead: Lead, reason: str, *, by: str, now: datetime | None = None) -> Lead:
    now = now or utcnow()
    lead.status = transition(lead.status, LeadStatus.DISQUALIFIED, reason=reason).value
    lead.disqualified_reason, lead.disqualified_at, lead.updated_at = reason.strip(), now, now
    remember(uow, lead.id, "disqualified", by, now, {"reason": lead.disqualified_reason})
    uow.publish("leads.lead.disqualified", events.disqualified(lead), subject=lead.id)
    return lead


def flag_overdue(uow, now: datetime, limit: int = 500) -> int:
    """Publish leads.lead.followup_overdue once per missed deadline (the sweep)."""
    candidates = list(uow.session.execute(
        select(Lead).where(Lead.status.in_(LOADED_STATUSES), Lead.merged_into.is_(None),
                           Lead.followup_due_at < now,
                           or_(Lead.overdue_flagged_for.is_(None), Lead.overdue_flagged_for != Lead.followup_due_at))
        .order_by(Lead.followup_due_at).limit(limit).with_for_update(skip_locked=True)
    ).scalars())
    by_id = {lead.id: lead for lead in candidates}
    states = [FollowupState(lead.id, lead.status, lead.followup_due_at, lead.first_contact_at,
                            lead.overdue_flagged_for) for lead in candidates]
    overdue = newly_overdue(states, now)
    for found in overdue:
        lead = by_id[found.lead_id]
        lead.overdue_flagged_for = found.due_at
        remember(uow, lead.id, "followup_overdue", None, now, {"due_at": found.due_at.isoformat()})
        uow.publish("leads.lead.followup_overdue",
                    events.followup_overdue(lead, found.due_at, now, found.awaiting_first_contact),
                    subject=lead.id)
    return len(overdue)
