"""The events the KPI service publishes, each with its schema."""
from __future__ import annotations

from salesloop.messaging.catalog import EventCatalog


def catalog() -> EventCatalog:
    events = EventCatalog(source="/salesloop/kpi")
    return events
