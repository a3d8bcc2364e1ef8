"""What the Service desk service does with the events it consumes, and its sweeps.

Each consumer reads with its own small tolerant schema of the fields it uses
(unknown fields are ignored). The inbox gives once-per-event-id; the handlers
add business-key checks (one survey per order) for the duplicates a producer's
retry can make under a new id.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.worker import Sweep

from service_desk.commands import care, interactions, surveys, tickets
from service_desk.config import load_config

ORDER_DELIVERED = "orders.order.delivered"
CUSTOMER_UPSERTED = "leads.customer.upserted"
CUSTOMER_CLASSIFIED = "kpi.customer.classified"


class Tolerant(Schema):
    class Meta:
        unknown = EXCLUDE


def _maybe(field_type=fields.String, **kwargs):
    """Optional and nullable; a field the producer left out stays out (it must not blank ours)."""
    return field_type(allow_none=True, **kwargs)


class Moment(fields.Field):
    """An RFC 3339 time, or a plain date (read as its UTC midnight)."""

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


class Contact(Tolerant):
    name = _maybe()
    phone = _maybe()
    email = _maybe()


class OrderDelivered(Tolerant):
    order_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    customer_name = _maybe()
    customer_contact = _maybe(fields.Nested, nested=Contact)
    rep_id = _maybe()
    team = _maybe()
    region = _maybe()
    delivered_at = _maybe(Moment)


class CustomerUpserted(Tolerant):
    customer_id = fields.String(required=True)
    name = _maybe()
    company = _maybe()
    category = _maybe()
    abc_class = _maybe(validate=validate.OneOf(["A", "B", "C"]))
    industry = _maybe()
    region = _maybe()
    team = _maybe()
    owner_rep_id = _maybe()
    contact = _maybe(fields.Nested, nested=Contact)
    birthday = _maybe(fields.Date)
    updated_at = _maybe(Moment)


class CustomerClassified(Tolerant):
    customer_id = fields.String(required=True)
    abc_class = fields.String(required=True, validate=validate.OneOf(["A", "B", "C"]))
    previous_class = _maybe()
    as_of = _maybe(Moment)


def subscriptions(runtime) -> Subscriptions:
    desk = load_config(runtime.settings)

    def survey_delivered_order(event, uow) -> None:
        data = event.data
        care.note_delivery_customer(uow, data)
        surveys.issue_survey(uow, desk, order_id=data["order_id"], customer_id=data["customer_id"],
                             rep_id=data.get("rep_id"), team=data.get("team"), region=data.get("region"))

    def copy_customer(event, uow) -> None:
        care.upsert_customer(uow, event.data)

    def record_classification(event, uow) -> None:
        care.classify_customer(uow, event.data)

    return (
        Subscriptions()
        .add(ORDER_DELIVERED, OrderDelivered, survey_delivered_order, "one satisfaction survey per delivered order")
        .add(CUSTOMER_UPSERTED, CustomerUpserted, copy_customer, "keep the local customer copy current")
        .add(CUSTOMER_CLASSIFIED, CustomerClassified, record_classification, "the ABC class drives the care plan")
    )


def sweeps(runtime) -> list[Sweep]:
    desk = load_config(runtime.settings)
    return [
        Sweep("sla-escalations", desk.sweeps.sla, _in_utc(lambda uow, now: tickets.escalate_breaches(uow, desk, now))),
        Sweep("survey-reminders", desk.sweeps.surveys,
              _in_utc(lambda uow, now: surveys.send_reminders(uow, desk, now))),
        Sweep("care-schedule", desk.sweeps.care, _in_utc(lambda uow, now: care.schedule_care(uow, desk, now))),
        Sweep("recording-retention", desk.sweeps.retention,
              _in_utc(lambda uow, now: interactions.purge_expired_recordings(uow, now))),
    ]


def _in_utc(run):
    """Sweeps stamp events with ``now``: always UTC inside, whatever zone the caller's clock has."""

    def run_in_utc(uow, now: datetime) -> None:
        run(uow, now.astimezone(timezone.utc))

    return run_in_utc
