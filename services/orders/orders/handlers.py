"""What the Orders service does with the events it consumes, and its sweeps."""
from __future__ import annotations

from salesloop.messaging.catalog import Subscriptions


def subscriptions(runtime) -> Subscriptions:
    return Subscriptions()


def sweeps(runtime) -> list:
    return []
