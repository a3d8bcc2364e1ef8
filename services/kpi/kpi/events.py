"""The events the KPI service publishes, each with its schema (owned here)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from salesloop.messaging.catalog import EventCatalog, Outgoing

from kpi.domain.abc import CustomerClassified as Classified
from kpi.domain.reports import FORMATS
from kpi.domain.reports import ReportReady as Ready

CUSTOMER_CLASSIFIED = "kpi.customer.classified"
REPORT_READY = "kpi.report.ready"
ABC = validate.OneOf(["A", "B", "C"])


class Thresholds(Schema):
    a = fields.Decimal(as_string=True, required=True,
                       metadata={"description": "cumulative revenue share (%) that class A customers make"})
    b = fields.Decimal(as_string=True, required=True,
                       metadata={"description": "cumulative share (%) up to which customers are B"})


class CustomerClassified(Schema):
    customer_id = fields.String(required=True)
    abc_class = fields.String(required=True, validate=ABC)
    previous_class = fields.String(required=True, allow_none=True, validate=ABC,
                                   metadata={"description": "null the first time the customer is classified"})
    trailing_revenue = fields.Decimal(
        as_string=True, required=True,
        metadata={"description": "net revenue over the trailing window, company currency"})
    currency = fields.String(required=True, metadata={"description": "the company currency"})
    as_of = fields.Date(required=True, metadata={"description": "last local day of the trailing window"})
    thresholds = fields.Nested(Thresholds, required=True)
    months = fields.Integer(required=True, metadata={"description": "length of the trailing window (additive)"})


class ReportReady(Schema):
    period_kind = fields.String(required=True, validate=validate.OneOf(["day", "week", "month", "quarter", "year"]))
    period = fields.String(required=True, metadata={"description": "2026-11-25, 2026-W48, 2026-11, 2026-Q4 or 2026"})
    generated_at = fields.DateTime(required=True)
    formats = fields.List(fields.String(), required=True)
    url = fields.String(required=True, metadata={"description": "GET it; add ?format=csv for CSV"})
    start = fields.Date(required=True, metadata={"description": "first local day (additive)"})
    end = fields.Date(required=True, metadata={"description": "last local day (additive)"})
    timezone = fields.String(required=True, metadata={"description": "the company timezone (additive)"})


EXAMPLES = {
    CUSTOMER_CLASSIFIED: {
        "customer_id": "cust-1001", "abc_class": "A", "previous_class": "B", "trailing_revenue": "1284000.00",
        "currency": "CNY", "as_of": "2026-11-24", "thresholds": {"a": "80", "b": "95"}, "months": 12,
    },
    REPORT_READY: {
        "period_kind": "month", "period": "2026-10", "generated_at": "2026-11-01T01:00:00+00:00",
        "formats": ["json", "csv"], "url": "/reports/2026-10", "start": "2026-10-01", "end": "2026-10-31",
        "timezone": "Asia/Shanghai",
    },
}


def catalog() -> EventCatalog:
    events = EventCatalog(source="/salesloop/kpi")
    events.define(CUSTOMER_CLASSIFIED, CustomerClassified,
                  "A customer's ABC class (Pareto on trailing revenue) changed, or was set for the first time.",
                  example=EXAMPLES[CUSTOMER_CLASSIFIED])
    events.define(REPORT_READY, ReportReady,
                  "A day, week, month, quarter or year closed and its KPI report is ready (JSON and CSV).",
                  example=EXAMPLES[REPORT_READY])
    events.translates(Classified)(customer_classified)
    events.translates(Ready)(report_ready)
    return events


# -- domain events to payloads -------------------------------------------------------------------
def customer_classified(event: Classified) -> Outgoing:
    thresholds = event.thresholds
    return Outgoing(CUSTOMER_CLASSIFIED, {
        "customer_id": event.customer_id, "abc_class": event.abc_class.value,
        "previous_class": event.previous_class.value if event.previous_class else None,
        "trailing_revenue": event.trailing_revenue, "currency": event.currency, "as_of": event.as_of,
        "thresholds": {"a": thresholds.a_cumulative_percent, "b": thresholds.b_cumulative_percent},
        "months": event.months,
    }, subject=event.customer_id)


def report_ready(event: Ready) -> Outgoing:
    period = event.period
    return Outgoing(REPORT_READY, {
        "period_kind": period.kind.value, "period": period.label(), "generated_at": event.generated_at,
        "formats": list(FORMATS), "url": event.url, "start": period.start, "end": period.end,
        "timezone": event.timezone,
    }, subject=period.label())
