"""The KPI service's tolerant reader schemas: the fields it uses from each event.

Every event reaches the fact log; the types below feed the metrics, so their
data is checked first — a malformed one is parked in the dead-letter queue
with the reason instead of skewing the figures. Only what the metrics need is
required; everything else may be absent or null. Unknown fields are ignored
(and kept in the log: the log stores the data as received).
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from kpi.domain import facts as ft


class Tolerant(Schema):
    class Meta:
        unknown = EXCLUDE


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
