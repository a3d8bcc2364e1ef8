"""Merging a duplicate lead into a primary one, and undoing it.

The duplicate is not deleted: it is marked merged into the primary (out of
lists, loads and duplicate checks) and its activities and history stay where
they are, shown with the primary's. The merge record keeps both leads as they
were, so an undo restores them exactly.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from leads import events
from leads.commands.capture import grade_lead
from leads.commands.common import jsonable, new_id, remember, utcnow
from leads.domain import merge as merging
from leads.domain.errors import Conflict, NotFound, RuleViolation
from leads.models import Lead, LeadMerge
from leads.repository import load_rules

MERGED_FIELDS = ("company", "company_key", "person_name", "industry", "region", "company_size", "contact_name",
                 "contact_title", "phone", "email", "needs", "product_lines", "budget_amount", "budget_currency",
                 "expected_purchase_by", "campaign_code", "referrer", "customer_id")


def snapshot(lead: Lead) -> dict:
    return {"id": lead.id, **{name: jsonable(getattr(lead, name)) for name in MERGED_FIELDS}}


def restore(lead: Lead, values: dict) -> None:
    for name in MERGED_FIELDS:
        value = values.get(name)
        if name == "budget_amount" and value is not None:
            value = Decimal(value)
        elif name == "expected_purchase_by" and value is not None:
            value = date.fromisoformat(value)
        setattr(lead, name, value)


def merge_leads(uow, primary: Lead, duplicate: Lead, *, by: str, now: datetime | None = None) -> LeadMerge:
    now = now or utcnow()
    for lead in (primary, duplicate):
        if lead.merged_into:
            raise Conflict(f"lead {lead.id} is already merged into {lead.merged_into}")
        if lead.status in ("converted", "disqualified"):
            raise Conflict(f"lead {lead.id} is {lead.status}; only open leads are merged")
    result = merging.merge(snapshot(primary), snapshot(duplicate))
    restore(primary, result.merged)
    duplicate.merged_into, primary.updated_at, duplicate.updated_at = primary.id, now, now
    undo = {"primary_before": result.undo.primary_before, "duplicate_before": result.undo.duplicate_before,
            "merged": result.undo.merged,
            "changes": [jsonable({"field": c.field, "before": c.before, "after": c.after}) for c in result.changes]}
    row = LeadMerge(id=new_id(), primary_id=primary.id, duplicate_id=duplicate.id, merged_at=now, merged_by=by,
                    undo=undo)
    uow.add(row)
    for lead in (primary, duplicate):
        remember(uow, lead.id, "merged", by, now, {"merge_id": row.id, "primary_id": primary.id,
                                                   "duplicate_id": duplicate.id})
    uow.publish("leads.lead.merged", events.merge(row, primary, now, by), subject=primary.id)
    grade_lead(uow, primary, load_rules(uow.session), now)
    return row


def unmerge_leads(uow, primary: Lead, merge_id: str, *, by: str, now: datetime | None = None) -> LeadMerge:
    """Both leads back as they were; refused if the primary was edited since (those edits would be lost)."""
    now = now or utcnow()
    row = uow.session.get(LeadMerge, merge_id)
    if row is None or row.primary_id != primary.id:
        raise NotFound(f"no merge {merge_id} into lead {primary.id}")
    if row.undone_at is not None:
        raise Conflict(f"merge {merge_id} was already undone")
    duplicate = uow.session.execute(select(Lead).where(Lead.id == row.duplicate_id)).scalar_one()
    undo = merging.MergeUndo(primary_before=row.undo["primary_before"], duplicate_before=row.undo["duplicate_before"],
                             merged=row.undo["merged"], changes=())
    try:
        primary_before, duplicate_before = merging.unmerge(undo, current_primary=snapshot(primary))
    except RuleViolation as exc:
        raise Conflict(str(exc)) from None
    restore(primary, primary_before)
    restore(duplicate, duplicate_before)
    duplicate.merged_into, primary.updated_at, duplicate.updated_at = None, now, now
    row.undone_at, row.undone_by = now, by
    for lead in (primary, duplicate):
        remember(uow, lead.id, "unmerged", by, now, {"merge_id": row.id})
    uow.publish("leads.lead.unmerged", events.merge(row, primary, now, by), subject=primary.id)
    grade_lead(uow, primary, load_rules(uow.session), now)
    return row
