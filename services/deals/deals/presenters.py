"""Rows shaped for the API's output schemas, with personal data masked as the caller's role requires."""
from __future__ import annotations

from datetime import date, datetime

from salesloop.web.auth import Principal, can_see_personal_data, mask_email, mask_phone

from deals.domain import Forecast, Stage
from deals.models import ContractRow, CustomerRow, DealRow, MinutesRow, ProposalRow
from deals.repository import followup_priority, priced_items, totals_of


def deal_view(row: DealRow, now: datetime) -> dict:
    values = {column: getattr(row, column) for column in (
        "id", "lead_id", "title", "customer_id", "customer_name", "owner_rep_id", "team", "region", "stage",
        "amount", "currency", "probability", "grade", "followup_due_at", "expected_close_date", "needs", "goals",
        "competitors", "products", "spin", "source", "lost_reason", "lost_to", "contract_id", "opened_at",
        "updated_at", "closed_at")}
    return {
        **values,
        "is_open": Stage(row.stage).is_open,
        "probability_overridden": row.probability_override is not None,
        "followup_priority": followup_priority(row.grade),
        "followup_overdue": row.followup_due_at is not None and row.followup_due_at < now,
    }


def deal_detail(row: DealRow, customer: CustomerRow | None, principal: Principal, now: datetime) -> tuple[dict, bool]:
    """The deal with its history and customer; says whether unmasked personal data is in it."""
    shown, unmasked = _customer(customer, principal, row.owner_rep_id)
    history = [{"from_stage": c.from_stage, "to_stage": c.to_stage, "kind": c.kind, "changed_by": c.changed_by,
                "changed_at": c.changed_at, "reason": c.reason, "competitor": c.competitor,
                "probability": c.probability} for c in row.changes]
    return {**deal_view(row, now), "customer": shown, "history": history}, unmasked


def _customer(customer: CustomerRow | None, principal: Principal, owner: str) -> tuple[dict | None, bool]:
    if customer is None:
        return None, False
    allowed = can_see_personal_data(principal, owner)
    phone, email = customer.contact_phone, customer.contact_email
    shown = {
        "id": customer.id, "name": customer.name, "company": customer.company, "category": customer.category,
        "abc_class": customer.abc_class, "contact_name": customer.contact_name,
        "contact_phone": phone if allowed else mask_phone(phone),
        "contact_email": email if allowed else mask_email(email), "masked": not allowed,
    }
    return shown, allowed and bool(phone or email)


def proposal_view(row: ProposalRow) -> dict:
    values = {column: getattr(row, column) for column in (
        "id", "deal_id", "version", "status", "currency", "valid_until", "notes", "created_by", "created_at",
        "sent_at", "decided_at", "rejection_reason")}
    return {**values, "items": priced_items(row.items, row.currency), "totals": totals_of(row)}


def contract_view(row: ContractRow) -> dict:
    values = {column: getattr(row, column) for column in (
        "id", "deal_id", "proposal_id", "quote_version", "customer_id", "owner_rep_id", "team", "region", "status",
        "revision", "currency", "delivery_terms", "payment_terms", "delivery_date", "delivery_address",
        "drafted_by", "drafted_at", "reviewed_by", "reviewed_at", "rejection_reason", "signed_at", "signatory",
        "signatory_title", "company_currency", "fx_rate", "net_company", "gross_company")}
    history = [{"from_status": c.from_status, "to_status": c.to_status, "changed_by": c.changed_by,
                "changed_at": c.changed_at, "reason": c.reason} for c in row.changes]
    return {**values, "items": priced_items(row.items, row.currency), "totals": totals_of(row), "history": history}


def minutes_view(row: MinutesRow) -> dict:
    steps = [{**step, "due": date.fromisoformat(step["due"]) if step.get("due") else None} for step in row.next_steps]
    return {"id": row.id, "deal_id": row.deal_id, "subject": row.subject, "held_at": row.held_at,
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at, "attendees": row.attendees,
            "agreed_points": row.agreed_points, "open_points": row.open_points, "next_steps": steps,
            "settled": not row.open_points}


def forecast_view(result: Forecast, rates: list[dict]) -> dict:
    currency = result.company_currency

    def figures(dimension: str) -> list[dict]:
        groups = result.groups.get(dimension, {})
        return [{"key": key, "count": f.count, "amount": f.amount, "weighted": f.weighted, "currency": currency}
                for key, f in groups.items()]

    return {
        "as_of": result.as_of, "currency": currency, "open_count": result.pipeline.count,
        "unweighted_total": result.unweighted_total, "weighted_total": result.weighted_total,
        "overdue": {"key": "overdue", "count": result.overdue.count, "amount": result.overdue.amount,
                    "weighted": result.overdue.weighted, "currency": currency},
        "by_stage": [{"stage": stage.value, "count": f.count, "amount": f.amount, "currency": currency}
                     for stage, f in result.by_stage.items()],
        "by_month": figures("month"), "by_rep": figures("rep"), "by_team": figures("team"),
        "by_region": figures("region"), "rates": rates,
    }
