"""The events the Service desk service publishes, each with its schema (owned here).

Field names follow the cross-service contract; fields beyond it are additive.
``*_payload`` functions build each event's data from the service's rows.
"""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate

from salesloop.messaging.catalog import EventCatalog

SOURCE = "/salesloop/service-desk"

TICKET_OPENED = "service.ticket.opened"
TICKET_RESPONDED = "service.ticket.responded"
TICKET_SLA_BREACHED = "service.ticket.sla_breached"
TICKET_RESOLVED = "service.ticket.resolved"
TICKET_CLOSED = "service.ticket.closed"
TICKET_REOPENED = "service.ticket.reopened"
SURVEY_SENT = "service.survey.sent"
SURVEY_ANSWERED = "service.survey.answered"
INTERACTION_LOGGED = "service.interaction.logged"
QA_VIOLATION = "service.qa.violation"
CARE_TASK_DUE = "service.care.task_due"
CARE_TASK_COMPLETED = "service.care.task_completed"

TICKET_TYPES = ("inquiry", "complaint", "technical")
CARE_KINDS = ("visit", "birthday", "holiday")
# The domain says "return_visit"; the contract says "visit".
CARE_KIND_ON_THE_WIRE = {"return_visit": "visit", "birthday": "birthday", "holiday": "holiday"}


def _text(**kwargs):
    return fields.String(required=True, **kwargs)


def _maybe_text():
    return fields.String(required=True, allow_none=True)


class DecimalText(fields.Decimal):
    """A decimal string without exponent or trailing zeros: 7.1000000000 -> "7.1"."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        text = format(Decimal(value).normalize(), "f")
        return text


# -- tickets ---------------------------------------------------------------------------------------


class TicketEvent(Schema):
    """The core every service.ticket.* event carries."""

    ticket_id = _text()
    type = _text(validate=validate.OneOf(TICKET_TYPES))
    priority = _text()
    channel = _text()
    status = _text()
    customer_id = _text()
    order_id = _maybe_text()
    agent_id = _maybe_text()
    team = _maybe_text()
    region = _maybe_text()
    opened_at = fields.DateTime(required=True)
    reopen_count = fields.Integer(required=True)


class TicketOpened(TicketEvent):
    received_at = fields.DateTime(required=True)
    first_response_due_at = fields.DateTime(required=True)
    resolution_due_at = fields.DateTime(required=True)
    subject = _text()


class TicketResponded(TicketEvent):
    responded_at = fields.DateTime(required=True)
    within_sla = fields.Boolean(required=True)
    due_at = fields.DateTime(required=True)


class TicketSlaBreached(TicketEvent):
    target = _text(validate=validate.OneOf(["first_response", "resolution"]))
    level = fields.Integer(required=True)
    cycle = fields.Integer(required=True)
    due_at = fields.DateTime(required=True)
    breached_at = fields.DateTime(required=True)
    level_due_at = fields.DateTime(required=True)  # when this level fell due: breach + the level's delay
    escalated_at = fields.DateTime(required=True)
    escalated_to = _text()


class TicketResolved(TicketEvent):
    resolved_at = fields.DateTime(required=True)
    within_sla = fields.Boolean(required=True)
    due_at = fields.DateTime(required=True)
    compensation_amount = fields.Decimal(required=True, allow_none=True, as_string=True)  # in its currency's minor unit
    compensation_reason = _maybe_text()
    currency = _text(validate=validate.Regexp(r"^[A-Z]{3}$"))
    fx_rate = DecimalText(required=True)
    agent_at_fault = _maybe_text()


class TicketClosed(TicketEvent):
    closed_at = fields.DateTime(required=True)
    verdict = fields.String(required=True, allow_none=True, validate=validate.OneOf(["satisfied", "unsatisfied"]))


class TicketReopened(TicketEvent):
    reopened_at = fields.DateTime(required=True)
    reason = _text()


# -- surveys ---------------------------------------------------------------------------------------


class SurveyEvent(Schema):
    survey_id = _text()
    order_id = _maybe_text()
    ticket_id = _maybe_text()
    customer_id = _text()
    rep_id = _maybe_text()
    team = _maybe_text()
    region = _maybe_text()


class SurveySent(SurveyEvent):
    answer_url = _text()
    expires_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(required=True)
    reminder = fields.Boolean(required=True)


class SurveyAnswered(SurveyEvent):
    csat = fields.Integer(required=True, validate=validate.Range(1, 5))
    nps = fields.Integer(required=True, validate=validate.Range(0, 10))
    nps_category = _text(validate=validate.OneOf(["promoter", "passive", "detractor"]))
    comment = fields.String(required=True)
    answered_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(required=True)


# -- interactions and QA -------------------------------------------------------------------------------


class InteractionLogged(Schema):
    interaction_id = _text()
    agent_id = _text()
    team = _maybe_text()
    region = _maybe_text()
    channel = _text()
    direction = _text()
    customer_id = _maybe_text()
    ticket_id = _maybe_text()
    started_at = fields.DateTime(required=True)
    duration_seconds = fields.Integer(required=True, allow_none=True)
    violation_count = fields.Integer(required=True)
    has_recording = fields.Boolean(required=True)


class QaViolation(Schema):
    interaction_id = _text()
    agent_id = _text()
    team = _maybe_text()
    region = _maybe_text()
    channel = _text()
    customer_id = _maybe_text()
    rule_id = _text()
    category = _text()
    severity = _text(validate=validate.OneOf(["low", "medium", "high"]))
    excerpt = _text()
    matched = _text()
    detected_at = fields.DateTime(required=True)


# -- customer care ---------------------------------------------------------------------------------------


class CareTaskEvent(Schema):
    task_id = _text()
    customer_id = _text()
    kind = _text(validate=validate.OneOf(CARE_KINDS))
    due_date = fields.Date(required=True)
    occasion = _text()
    agent_id = _maybe_text()
    team = _maybe_text()
    region = _maybe_text()
    abc_class = fields.String(required=True, allow_none=True, validate=validate.OneOf(["A", "B", "C"]))


class CareTaskCompleted(CareTaskEvent):
    completed_at = fields.DateTime(required=True)
    completed_by = _text()


# -- the catalog ------------------------------------------------------------------------------------------

_T = "2025-03-04T02:00:00+00:00"
_TICKET = {"ticket_id": "6f1c0c4e-3c55-4f4e-9a57-1f1e2d3c4b5a", "type": "complaint", "priority": "normal",
           "channel": "hotline", "status": "open", "customer_id": "C-1001", "order_id": "O-2001",
           "agent_id": "agent-7", "team": "care-east", "region": "east", "opened_at": _T, "reopen_count": 0}
_SURVEY = {"survey_id": "2b0f5a9e-8c1d-4e7f-b6a5-3d2c1b0a9f8e", "order_id": "O-2001", "ticket_id": None,
           "customer_id": "C-1001", "rep_id": "rep-3", "team": "sales-east", "region": "east"}


def catalog() -> EventCatalog:
    events = EventCatalog(source=SOURCE)
    events.define(TICKET_OPENED, TicketOpened, "A ticket was registered; carries its SLA due times.",
                  example={**_TICKET, "received_at": _T, "first_response_due_at": "2025-03-04T04:00:00+00:00",
                           "resolution_due_at": "2025-03-05T09:00:00+00:00", "subject": "Late delivery"})
    events.define(TICKET_RESPONDED, TicketResponded, "The first response reached the customer.",
                  example={**_TICKET, "status": "in_progress", "responded_at": "2025-03-04T03:10:00+00:00",
                           "within_sla": True, "due_at": "2025-03-04T04:00:00+00:00"})
    events.define(TICKET_SLA_BREACHED, TicketSlaBreached,
                  "An SLA target was breached and escalated (once per target, level and cycle).",
                  example={**_TICKET, "target": "first_response", "level": 1, "cycle": 0,
                           "due_at": "2025-03-04T04:00:00+00:00", "breached_at": "2025-03-04T04:00:00+00:00",
                           "level_due_at": "2025-03-04T04:00:00+00:00", "escalated_at": "2025-03-04T04:01:00+00:00", "escalated_to": "supervisor"})
    events.define(TICKET_RESOLVED, TicketResolved, "A ticket was resolved, with any compensation.",
                  example={**_TICKET, "status": "resolved", "resolved_at": "2025-03-04T08:00:00+00:00",
                           "within_sla": True, "due_at": "2025-03-05T09:00:00+00:00",
                           "compensation_amount": "50.00", "compensation_reason": "late delivery",
                           "currency": "CNY", "fx_rate": "1", "agent_at_fault": None})
    events.define(TICKET_CLOSED, TicketClosed, "A ticket was closed with the customer's verdict.",
                  example={**_TICKET, "status": "closed", "closed_at": "2025-03-05T02:00:00+00:00",
                           "verdict": "satisfied"})
    events.define(TICKET_REOPENED, TicketReopened, "A resolved or closed ticket was reopened (additive).",
                  example={**_TICKET, "status": "in_progress", "reopen_count": 1,
                           "reopened_at": "2025-03-05T02:00:00+00:00", "reason": "customer not satisfied"})
    events.define(SURVEY_SENT, SurveySent, "A satisfaction survey link was issued (or its one reminder).",
                  example={**_SURVEY, "answer_url": "https://desk.example.com/surveys/q3J…", "reminder": False,
                           "expires_at": "2025-04-03T02:00:00+00:00", "sent_at": _T})
    events.define(SURVEY_ANSWERED, SurveyAnswered, "The customer answered a satisfaction survey.",
                  example={**_SURVEY, "csat": 5, "nps": 9, "nps_category": "promoter", "comment": "很满意",
                           "answered_at": "2025-03-05T02:00:00+00:00", "sent_at": _T})
    events.define(INTERACTION_LOGGED, InteractionLogged, "An agent's call or chat was logged and checked.",
                  example={"interaction_id": "0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a", "agent_id": "agent-7",
                           "team": "care-east", "region": "east", "channel": "phone", "direction": "inbound",
                           "customer_id": "C-1001", "ticket_id": None, "started_at": _T, "duration_seconds": 310,
                           "violation_count": 1, "has_recording": True})
    events.define(QA_VIOLATION, QaViolation, "A compliance rule matched a logged interaction.",
                  example={"interaction_id": "0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a", "agent_id": "agent-7",
                           "team": "care-east", "region": "east", "channel": "phone", "customer_id": "C-1001",
                           "rule_id": "false_promise.zh.guaranteed_return", "category": "false_promise",
                           "severity": "high", "excerpt": "这个产品保证收益，您放心", "matched": "保证收益",
                           "detected_at": _T})
    events.define(CARE_TASK_DUE, CareTaskEvent, "A care task (return visit or greeting) became due.",
                  example={"task_id": "7a6b5c4d-3e2f-1a0b-9c8d-7e6f5a4b3c2d", "customer_id": "C-1001",
                           "kind": "visit", "due_date": "2025-03-04", "occasion": "return visit (class A)",
                           "agent_id": "rep-3", "team": "sales-east", "region": "east", "abc_class": "A"})
    events.define(CARE_TASK_COMPLETED, CareTaskCompleted, "An agent completed a care task (additive).",
                  example={"task_id": "7a6b5c4d-3e2f-1a0b-9c8d-7e6f5a4b3c2d", "customer_id": "C-1001",
                           "kind": "birthday", "due_date": "2025-03-04", "occasion": "birthday",
                           "agent_id": "rep-3", "team": "sales-east", "region": "east", "abc_class": "B",
                           "completed_at": _T, "completed_by": "rep-3"})
    return events


# -- payloads from rows -----------------------------------------------------------------------------------


def ticket_core(row) -> dict:
    return {
        "ticket_id": row.id, "type": row.ticket_type, "priority": row.priority, "channel": row.channel,
        "status": row.status, "customer_id": row.customer_id, "order_id": row.order_id,
        "agent_id": row.agent_id, "team": row.team, "region": row.region, "opened_at": row.received_at,
        "reopen_count": row.reopen_count,
    }


def survey_core(row) -> dict:
    return {
        "survey_id": row.id, "order_id": row.order_id, "ticket_id": row.ticket_id,
        "customer_id": row.customer_id, "rep_id": row.rep_id, "team": row.team, "region": row.region,
    }


def care_task_payload(row) -> dict:
    return {
        "task_id": row.id, "customer_id": row.customer_id, "kind": CARE_KIND_ON_THE_WIRE[row.kind],
        "due_date": row.due_on, "occasion": row.occasion, "agent_id": row.agent_id, "team": row.team,
        "region": row.region, "abc_class": row.abc_class,
    }
