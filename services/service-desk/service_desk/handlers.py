"""What the Service desk service does with the events it consumes, and its sweeps.

Each consumer reads with its own small tolerant schema of the fields it uses
(unknown fields are ignored). The inbox gives once-per-event-id; the handlers
add business-key checks (one survey per order) for the duplicates a producer's
retry can make under a new id.
"""
from __future__ import annotations

from datetime import datetime, timezone

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.worker import Sweep

from service_desk.commands import care, interactions, surveys, tickets
from service_desk.config import load_config
from service_desk.readers import CustomerClassified, CustomerUpserted, OrderDelivered

ORDER_DELIVERED = "orders.order.delivered"
CUSTOMER_UPSERTED = "leads.customer.upserted"
CUSTOMER_CLASSIFIED = "kpi.customer.classified"


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
