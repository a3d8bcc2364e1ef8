"""What the Leads service does with the events it consumes, and its sweeps.

Each consumer reads with its own small tolerant schema of the fields it uses
(unknown fields are ignored). The inbox gives once-per-event-id; the handlers
also check business keys (a deal is counted once per deal id, a classification
older than the one held changes nothing), for the duplicates a producer's
retry can send under a new event id.
"""
from __future__ import annotations

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.worker import Sweep

from leads.commands import assignment, customers, followup, importing
from leads.config import leads_config
from leads.readers import CustomerClassified, DealLost, DealWon

DEAL_WON = "deals.deal.won"
DEAL_LOST = "deals.deal.lost"
CUSTOMER_CLASSIFIED = "kpi.customer.classified"


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
