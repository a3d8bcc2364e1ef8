"""What the Deals service does with the events it consumes, and its sweeps.

Each consumer reads with its own small, tolerant schema of the fields it uses;
unknown fields are ignored. The inbox gives once-per-event-id; the business
keys (one deal per lead) make a re-published duplicate harmless too.
"""
from __future__ import annotations

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.worker import Sweep

from deals.commands.customers import upsert_customer
from deals.commands.deals import open_deal_from_lead
from deals.commands.proposals import expire_proposals
from deals.config import load_config
from deals.readers import CustomerUpserted, LeadConverted

EXPIRE_EVERY_SECONDS = 600.0


def subscriptions(runtime) -> Subscriptions:
    config = load_config(runtime.settings)

    def lead_converted(event, uow):
        open_deal_from_lead(uow, config, event.data, event.occurred_at)

    def customer_upserted(event, uow):
        upsert_customer(uow, event.data)

    return (Subscriptions()
            .add("leads.lead.converted", LeadConverted, lead_converted, "open exactly one deal per converted lead")
            .add("leads.customer.upserted", CustomerUpserted, customer_upserted, "keep our copy of the customer"))


def sweeps(runtime) -> list[Sweep]:
    config = load_config(runtime.settings)

    def expire(uow, now):
        expire_proposals(uow, config, now)

    return [Sweep("expire-proposals", EXPIRE_EVERY_SECONDS, expire)]
