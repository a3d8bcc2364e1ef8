"""The KPI service's tolerant reader schemas: the fields it uses from each event.

Every event reaches the fact log; the types below feed the metrics, so their
data is checked first — a malformed one is parked in the dead-letter queue
with the reason instead of skewing the figures. Only what the metrics need is
required; everything else may be absent or null. Unknown fields are ignored
(and kept in the log: the log stores the data as received).
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, fields, validate

from salesloop.messaging.readers import Tolerant

from kpi.domain import facts as ft
from kpi.domain.errors import DomainError
from kpi.domain.facts import Fact, FactLine
from kpi.domain.money import EventMoney


def _text(**kwargs):
    return fields.String(allow_none=True, load_default=None, **kwargs)


def _decimal(**kwargs):
    return fields.Decimal(allow_none=True, load_default=None, **kwargs)


def _when(**kwargs):
    return fields.DateTime(allow_none=True, load_default=None, **kwargs)


_CURRENCY = validate.Regexp(r"^[A-Z]{3}$")
_POSITIVE = validate.Range(min=0, min_inclusive=False)


class AnyEvent(Tolerant):
    """The catch-all reader: any JSON object is a fact (the log keeps it whole)."""


class Sliced(Tolerant):
    rep_id = _text()
    team = _text()
    region = _text()
    customer_id = _text()


class Priced(Sliced):
    currency = _text(validate=_CURRENCY)
    fx_rate = _decimal(validate=_POSITIVE)


class LeadCaptured(Sliced):
    lead_id = fields.String(required=True)
    captured_at = _when()
    source = _text()
    product_lines = fields.List(fields.String(), allow_none=True, load_default=None)


class LeadConverted(Priced):
    lead_id = fields.String(required=True)
    converted_at = _when()
    source = _text()
    product_lines = fields.List(fields.String(), allow_none=True, load_default=None)
    expected_amount = _decimal()


class ActivityLogged(Sliced):
    activity_id = _text()
    lead_id = _text()
    kind = _text()
    occurred_at = _when()


class DealEvent(Priced):
    deal_id = fields.String(required=True)
    lead_id = _text()
    amount = _decimal()
    probability = _decimal(validate=validate.Range(min=0, max=100))
    products = fields.List(fields.String(), allow_none=True, load_default=None)


class ContractLine(Tolerant):
    product_code = _text()


class ContractSigned(Priced):
    contract_id = _text()
    deal_id = _text()
    lead_id = _text()
    net = _decimal()
    items = fields.List(fields.Nested(ContractLine), allow_none=True, load_default=None)
    signed_at = _when()


class OrderLine(Tolerant):
    product_code = fields.String(required=True)
    quantity = fields.Decimal(required=True)
    unit_cost = _decimal(validate=validate.Range(min=0))
    amount = fields.Decimal(required=True)


class OrderEvent(Sliced):
    order_id = fields.String(required=True)
    currency = fields.String(required=True, validate=_CURRENCY)
    fx_rate = _decimal(validate=_POSITIVE)
    total_amount = _decimal()
    total_cost = _decimal(validate=validate.Range(min=0))
    items = fields.List(fields.Nested(OrderLine), allow_none=True, load_default=None)
    occurred_at = _when()


class TicketEvent(Tolerant):
    ticket_id = fields.String(required=True)
    type = _text()
    agent_id = _text()
    team = _text()
    region = _text()
    customer_id = _text()
    within_sla = fields.Boolean(allow_none=True, load_default=None)
    target = _text()


class SurveyAnswered(Sliced):
    survey_id = _text()
    order_id = _text()
    ticket_id = _text()
    csat = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 5))
    nps = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 10))
    answered_at = _when()


class QaViolation(Tolerant):
    interaction_id = _text()
    agent_id = fields.String(required=True)
    team = _text()
    region = _text()
    detected_at = _when()


READERS: dict[str, type[Schema]] = {
    ft.LEAD_CAPTURED: LeadCaptured,
    ft.LEAD_CONVERTED: LeadConverted,
    ft.ACTIVITY_LOGGED: ActivityLogged,
    ft.DEAL_OPENED: DealEvent,
    ft.DEAL_STAGE_CHANGED: DealEvent,
    ft.DEAL_WON: DealEvent,
    ft.DEAL_LOST: DealEvent,
    ft.PROPOSAL_SENT: DealEvent,
    ft.CONTRACT_SIGNED: ContractSigned,
    ft.ORDER_CREATED: OrderEvent,
    ft.ORDER_CHANGED: OrderEvent,
    ft.ORDER_CANCELLED: OrderEvent,
    ft.TICKET_OPENED: TicketEvent,
    ft.TICKET_RESPONDED: TicketEvent,
    ft.TICKET_SLA_BREACHED: TicketEvent,
    ft.TICKET_RESOLVED: TicketEvent,
    ft.SURVEY_ANSWERED: SurveyAnswered,
    ft.QA_VIOLATION: QaViolation,
}


# -- translation: an event's data to the domain's Fact -----------------------------------------------
# From an event's data (as received, JSON) to the domain's Fact.
#
# One translation serves the live path and the rebuild, so a rebuilt projection
# reads every stored event exactly as the worker read it. It works on the raw
# JSON (strings for decimals and times): the reader schemas have already checked
# it at the door, and a rebuild of a million facts should not pay for a second
# validation.
# Which field says when the event happened (else `occurred_at`, else the envelope's time).
TIME_FIELDS = {
    "leads.lead.captured": "captured_at",
    "leads.lead.graded": "graded_at",
    "leads.lead.assigned": "assigned_at",
    "leads.lead.followup_overdue": "detected_at",
    "leads.lead.converted": "converted_at",
    "leads.lead.disqualified": "disqualified_at",
    "leads.lead.merged": "at",
    "leads.lead.unmerged": "at",
    "leads.customer.upserted": "updated_at",
    "deals.deal.opened": "opened_at",
    "deals.deal.stage_changed": "changed_at",
    "deals.deal.won": "won_at",
    "deals.deal.lost": "lost_at",
    "deals.proposal.sent": "sent_at",
    "deals.contract.signed": "signed_at",
    "service.ticket.opened": "opened_at",
    "service.ticket.responded": "responded_at",
    "service.ticket.sla_breached": "breached_at",
    "service.ticket.resolved": "resolved_at",
    "service.ticket.closed": "closed_at",
    "service.survey.sent": "sent_at",
    "service.survey.answered": "answered_at",
    "service.interaction.logged": "started_at",
    "service.qa.violation": "detected_at",
}
DEAL_AMOUNT_EVENTS = {ft.DEAL_OPENED, ft.DEAL_STAGE_CHANGED, ft.DEAL_WON, ft.DEAL_LOST}


class UnreadableEvent(ValueError):
    """The event's data cannot become a fact the metrics can trust."""


# -- parsing the JSON -----------------------------------------------------------------------
def text(data: dict, name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and value else None


def decimal(data: dict, name: str) -> Decimal | None:
    value = data.get(name)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value)) if isinstance(value, (str, int, float)) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise UnreadableEvent(f"{name} is not a decimal: {value!r}")
    return number


def moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UnreadableEvent(f"not an RFC 3339 time: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def occurred_at(event_type: str, data: dict, fallback: datetime) -> datetime:
    field = TIME_FIELDS.get(event_type, "occurred_at")
    return moment(data.get(field)) or moment(data.get("occurred_at")) or fallback.astimezone(timezone.utc)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(item for item in value if isinstance(item, str) and item))


# -- money ----------------------------------------------------------------------------------
def event_money(amount: Decimal | None, data: dict, company_currency: str) -> EventMoney | None:
    """An amount with the event's currency and rate (the rate is dropped for
    amounts already in the company currency: they need none)."""
    if amount is None:
        return None
    currency = text(data, "currency") or company_currency
    rate = decimal(data, "fx_rate")
    if currency == company_currency:
        rate = None
    elif rate is None:
        raise UnreadableEvent(f"a {currency} amount needs fx_rate to {company_currency}")
    return EventMoney(amount, currency, rate)


def _order_lines(data: dict, company_currency: str) -> tuple[FactLine, ...]:
    lines = []
    for item in data.get("items") or ():
        if not isinstance(item, dict):
            continue
        amount = decimal(item, "amount")
        unit_cost = decimal(item, "unit_cost")
        quantity = decimal(item, "quantity") or Decimal(0)
        product = text(item, "product_code") or "unknown"
        cost = None if unit_cost is None else event_money(unit_cost * quantity, data, company_currency)
        lines.append(FactLine(product, event_money(amount or Decimal(0), data, company_currency), cost))
    return tuple(lines)


# -- per event type -----------------------------------------------------------------------------
def _common(event_type: str, data: dict) -> dict:
    return {
        "rep": text(data, "rep_id") or text(data, "agent_id"),
        "team": text(data, "team"),
        "region": text(data, "region"),
        "customer_id": text(data, "customer_id"),
        "lead_id": text(data, "lead_id"),
        "deal_id": text(data, "deal_id"),
        "order_id": text(data, "order_id"),
        "ticket_id": text(data, "ticket_id"),
    }


def _lead(event_type: str, data: dict, currency: str) -> dict:
    fields = {"source": text(data, "source"), "products": _strings(data.get("product_lines"))}
    if event_type == ft.LEAD_CONVERTED:
        fields["amount"] = event_money(decimal(data, "expected_amount"), data, currency)
    return fields


def _deal(event_type: str, data: dict, currency: str) -> dict:
    fields: dict = {"products": _strings(data.get("products")),
                    "probability_percent": decimal(data, "probability")}
    if event_type in DEAL_AMOUNT_EVENTS:
        fields["amount"] = event_money(decimal(data, "amount"), data, currency)
    return fields


def _contract(event_type: str, data: dict, currency: str) -> dict:
    items = [item for item in data.get("items") or () if isinstance(item, dict)]
    return {"amount": event_money(decimal(data, "net"), data, currency),
            "products": _strings([item.get("product_code") for item in items])}


def _order(event_type: str, data: dict, currency: str) -> dict:
    lines = _order_lines(data, currency)
    total = decimal(data, "total_amount")
    if total is None and lines:
        total = sum((line.amount.amount for line in lines), Decimal(0))
    return {"amount": event_money(total, data, currency),
            "cost": event_money(decimal(data, "total_cost"), data, currency),
            "lines": lines}


def _ticket(event_type: str, data: dict, currency: str) -> dict:
    within = data.get("within_sla")
    return {
        "ticket_kind": text(data, "type"),
        "within_sla": within if event_type == ft.TICKET_RESPONDED and isinstance(within, bool) else None,
        "sla_kind": text(data, "target") if event_type == ft.TICKET_SLA_BREACHED else None,
    }


def _survey(event_type: str, data: dict, currency: str) -> dict:
    csat, nps = data.get("csat"), data.get("nps")
    return {"csat": csat if isinstance(csat, int) and not isinstance(csat, bool) else None,
            "nps": nps if isinstance(nps, int) and not isinstance(nps, bool) else None}


def _channel(event_type: str, data: dict, currency: str) -> dict:
    return {"channel": text(data, "kind") or text(data, "channel")}


SPECIFIC = {
    ft.LEAD_CAPTURED: _lead, ft.LEAD_CONVERTED: _lead,
    ft.ACTIVITY_LOGGED: _channel, "service.interaction.logged": _channel,
    **{event_type: _deal for event_type in ft.DEAL_EVENTS},
    ft.CONTRACT_SIGNED: _contract,
    **{event_type: _order for event_type in ft.ORDER_EVENTS},
    **{event_type: _ticket for event_type in ft.TICKET_EVENTS},
    ft.SURVEY_ANSWERED: _survey,
}


def to_fact(event_type: str, data: dict, *, event_id: str, fallback_time: datetime,
            company_currency: str) -> Fact:
    """The fact an event stands for; UnreadableEvent when its data cannot be one."""
    if not isinstance(data, dict):
        raise UnreadableEvent("event data must be a JSON object")
    fields = _common(event_type, data)
    specific = SPECIFIC.get(event_type)
    try:
        if specific:
            fields.update(specific(event_type, data, company_currency))
        return Fact(fact_id=event_id, event_type=event_type,
                    occurred_at=occurred_at(event_type, data, fallback_time), **fields)
    except DomainError as exc:
        raise UnreadableEvent(exc.message) from exc
