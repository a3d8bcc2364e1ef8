"""The events the Leads service publishes, each with its schema."""
from __future__ import annotations

from salesloop.messaging.catalog import EventCatalog


def catalog() -> EventCatalog:
    events = EventCatalog(source="/salesloop/leads")
    return events
