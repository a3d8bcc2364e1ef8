"""What the Leads service does with the events it consumes, and its sweeps.

Each consumer reads with its own small tolerant schema of the fields it uses
(unknown fields are ignored). The inbox gives once-per-event-id; the handlers
also check business keys (a deal is counted once per deal id, a classification
older than the one held changes nothing), for the duplicates a producer's
retry can send under a new event id.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.worker import Sweep

from leads.commands import assignment, customers, followup, importing
from leads.config import leads_config

DEAL_WON = "deals.deal.won"
DEAL_LOST = "deals.deal.lost"
CUSTOMER_CLASSIFIED = "kpi.customer.classified"


class Moment(fields.Field):
    """An RFC 3339 time, or a plain date (read as its UTC midnight); always aware."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Not a valid date or time.")
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), time.min, tzinfo=timezone.utc)
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("Not a valid date or time.") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Tolerant(Schema):
    class Meta:
        unknown = EXCLUDE


class DealClosed(Tolerant):
    deal_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    lead_id = fields.String(allow_none=True)
    amount = fields.Decimal(allow_none=True)
    currency = fields.String(allow_none=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    fx_rate = fields.Decimal(allow_none=True)


class DealWon(DealClosed):
    amount = fields.Decimal(required=True)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    won_at = Moment(required=True)


class DealLost(DealClosed):
    lost_at = Moment(required=True)


class CustomerClassified(Tolerant):
    customer_id = fields.String(required=True)
    abc_class = fields.String(required=True, validate=validate.OneOf(("A", "B", "C")))
    as_of = Moment(required=True)


def on_deal_won(event, uow) -> None:
    customers.record_deal(uow, {**event.data, "closed_at": event.data["won_at"]}, "won")


def on_deal_lost(event, uow) -> None:
    customers.record_deal(uow, {**event.data, "closed_at": event.data["lost_at"]}, "lost")


def on_customer_classified(event, uow) -> None:
    customers.apply_class(uow, event.data)


def subscriptions(runtime) -> Subscriptions:
    return (Subscriptions()
            .add(DEAL_WON, DealWon, on_deal_won, "a won deal counts in the customer's purchase history")
            .add(DEAL_LOST, DealLost, on_deal_lost, "a lost deal counts in the customer's purchase history")
            .add(CUSTOMER_CLASSIFIED, CustomerClassified, on_customer_classified,
                 "the customer's ABC class, fed back by the KPIs"))


def sweeps(runtime) -> list[Sweep]:
    config = leads_config(runtime.settings)
    return [
        Sweep("leads-followup-overdue", config.overdue_sweep_seconds,
              lambda uow, now: followup.flag_overdue(uow, now, config.overdue_batch)),
        Sweep("leads-assign-pool", config.pool_sweep_seconds,
              lambda uow, now: assignment.assign_pool(uow, now, config.pool_batch)),
        Sweep("leads-import", config.import_sweep_seconds,
              lambda uow, now: importing.process_next_import(uow, now, config.import_batch_rows)),
    ]
