"""The events the Orders service publishes, each with its schema."""
from __future__ import annotations

from salesloop.messaging.catalog import EventCatalog


def catalog() -> EventCatalog:
    events = EventCatalog(source="/salesloop/orders")
    return events
