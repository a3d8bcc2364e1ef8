"""How orders, plans, versions and change requests are shown through the API.

Reads only: amounts rounded to the currency, decimals in canonical form,
personal data masked for callers without the right to see it.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from salesloop.web.auth import Principal, can_see_personal_data, mask_email, mask_phone

from orders.config import OrdersConfig
from orders.decimals import plain, utc
from orders.domain.currency import to_company_currency
from orders.domain.items import compute_amounts
from orders.domain.lifecycle import allowed_targets
from orders.events import line_data
from orders.models import ChangeRequestRecord, OrderRecord, OrderVersionRecord, StageRecord
from orders.repository import impact_from, item_from, money


def order_summary(record: OrderRecord) -> dict:
    currency = record.currency
    return {
        "id": record.id, "order_number": record.order_number, "origin": record.origin, "status": record.status,
        "contract_id": record.contract_id, "storefront_order_id": record.storefront_order_id,
        "customer_id": record.customer_id, "customer_name": record.customer_name, "rep_id": record.rep_id,
        "team": record.team, "region": record.region, "currency": currency,
        "total_amount": money(record.total_amount, currency), "gross_amount": money(record.gross_amount, currency),
        "version": record.version, "delivery_date": record.delivery_date, "placed_at": utc(record.placed_at),
        "updated_at": utc(record.updated_at), "progress": progress(record.stages),
    }


def order_detail(record: OrderRecord, principal: Principal, config: OrdersConfig, now: datetime) -> dict:
    currency, version = record.currency, record.current
    amounts = compute_amounts([item_from(line) for line in version.lines], currency)
    total, tax = money(record.total_amount, currency), money(record.tax_amount, currency)
    gross = total + tax
    return {
        **order_summary(record),
        "deal_id": record.deal_id, "customer_contact": contact_view(record, principal),
        "fx_rate": plain(record.fx_rate), "company_currency": config.company_currency,
        "total_amount_company": to_company_currency(total, Decimal(record.fx_rate), config.company_currency),
        "amounts": {
            "currency": currency, "total_amount": total, "tax_amount": tax, "gross_amount": gross,
            "total_cost": amounts.total_cost, "gross_profit": amounts.gross_profit,
            "margin_percent": amounts.margin_percent, "cost_note": amounts.cost_note,
        },
        "items": [line_data(line, currency) for line in version.lines],
        "delivery_address": record.delivery_address, "shipping_address": record.shipping_address,
        "delivery_terms": record.delivery_terms, "payment_terms": record.payment_terms, "notes": record.notes,
        "created_at": utc(record.created_at), "created_by": record.created_by,
        "shipment": {"carrier": record.carrier, "tracking_number": record.tracking_number,
                     "shipped_at": utc(record.shipped_at), "delivered_at": utc(record.delivered_at)},
        "settlement": {"paid_amount": money(record.paid_amount, currency), "paid_at": utc(record.paid_at),
                       "balance": None if record.paid_amount is None else gross - money(record.paid_amount, currency)},
        "closing_reason": record.closing_reason,
        "allowed_transitions": [str(state) for state in allowed_targets(record.status)],
        "overdue_stages": [stage.name for stage in record.stages if _days_overdue(stage, config, now) > 0],
        "history": [history_entry(entry) for entry in record.history],
    }


def contact_view(record: OrderRecord, principal: Principal) -> dict | None:
    contact = record.customer_contact
    if not contact:
        return None
    if can_see_personal_data(principal, owner=record.rep_id):
        return {**contact, "masked": False}
    return {"name": contact.get("name"), "phone": mask_phone(_compact(contact.get("phone"))),
            "email": mask_email(contact.get("email")), "masked": True}


def _compact(phone: str | None) -> str | None:
    # Written as "+86 574 8765 4321" or "(0574) 8765-4321": mask the digits, not the spacing.
    return re.sub(r"[\s().-]", "", phone) if phone else phone


def shows_personal_data(view: dict) -> bool:
    contact = view.get("customer_contact") or {}
    return not contact.get("masked", True) and bool(contact.get("phone") or contact.get("email"))


def history_entry(entry) -> dict:
    return {"from_state": entry.from_state, "to_state": entry.to_state, "by": entry.by, "at": utc(entry.at),
            "details": entry.details or {}}


def version_view(version: OrderVersionRecord) -> dict:
    currency = version.currency
    total, tax = money(version.total_amount, currency), money(version.tax_amount, currency)
    return {
        "number": version.number, "currency": currency, "fx_rate": plain(version.fx_rate),
        "delivery_date": version.delivery_date, "total_amount": total, "tax_amount": tax,
        "gross_amount": total + tax, "total_cost": money(version.total_cost, currency),
        "created_at": utc(version.created_at), "created_by": version.created_by, "change_id": version.change_id,
        "items": [line_data(line, currency) for line in version.lines],
    }


def plan_view(record: OrderRecord, config: OrdersConfig, now: datetime) -> dict:
    stages = record.stages
    current = next((stage.name for stage in stages if stage.status != "done"), None)
    today = config.calendar.local_date(now)
    first = stages[0] if stages else None
    # The promise holds while the first stage has started or can still start in time.
    feasible = first is None or first.status != "pending" or first.planned_start is None or today <= first.planned_start
    return {
        "order_id": record.id, "progress": progress(stages), "current_stage": current,
        "complete": current is None, "feasible": feasible,
        "overdue_stages": [stage.name for stage in stages if _days_overdue(stage, config, now) > 0],
        "stages": [stage_view(stage, config, now) for stage in stages],
    }


def stage_view(stage: StageRecord, config: OrdersConfig, now: datetime) -> dict:
    days = _days_overdue(stage, config, now)
    return {
        "name": stage.name, "position": stage.position, "owner": stage.owner, "status": stage.status,
        "planned_start": stage.planned_start, "due_date": stage.due_date, "overdue": days > 0,
        "days_overdue": days, "started_at": utc(stage.started_at), "started_by": stage.started_by,
        "completed_at": utc(stage.completed_at), "completed_by": stage.completed_by,
        "blocked_reason": stage.blocked_reason,
    }


def progress(stages) -> Decimal:
    if not stages:
        return Decimal("0.00")
    done = sum(stage.status == "done" for stage in stages)
    return (Decimal(done) * 100 / len(stages)).quantize(Decimal("0.01"))


def _days_overdue(stage: StageRecord, config: OrdersConfig, now: datetime) -> int:
    today = config.calendar.local_date(now)
    if stage.status == "done" or today <= stage.due_date:
        return 0
    return (today - stage.due_date).days


def overdue_stage_view(stage: StageRecord, order: OrderRecord, config: OrdersConfig, now: datetime) -> dict:
    return {
        "order_id": order.id, "order_number": order.order_number, "customer_name": order.customer_name,
        "order_status": order.status, "stage": stage.name, "owner": stage.owner, "status": stage.status,
        "due_date": stage.due_date, "days_overdue": _days_overdue(stage, config, now),
        "delivery_date": order.delivery_date,
    }


def change_view(record: ChangeRequestRecord) -> dict:
    return {
        "id": record.id, "order_id": record.order_id, "base_version": record.base_version,
        "status": record.status, "reason": record.reason, "requested": record.requested,
        "requested_by": record.requested_by, "requested_at": utc(record.requested_at),
        "impact": None if record.impact is None else impact_from(record.impact),
        "decided_by": record.decided_by, "decided_at": utc(record.decided_at),
        "decision_note": record.decision_note, "applied_at": utc(record.applied_at),
        "applied_version": record.applied_version,
    }
