"""Publisher confirms for a whole batch at once (RabbitMQ's confirm mode).

Waiting for each confirm before the next publish caps a relay at one round trip
per message. Here the relay publishes a batch, then waits once: the broker acks
(or nacks) by delivery tag, often many at a time (``multiple``), and returns an
unroutable mandatory message before acking it, so a returned message id marks
its row unroutable even though its ack follows.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from amqp.exceptions import MessageNacked
from sqlalchemy import Row


class Unroutable(RuntimeError):
    """The broker confirmed the message but no queue was bound to its key."""


class ConfirmTimeout(RuntimeError):
    """Some messages of the batch got no confirm in time: their fate is unknown."""


@dataclass
class Settled:
    confirmed: list[Row[Any]] = field(default_factory=list)
    refused: list[tuple[Row[Any], Exception]] = field(default_factory=list)
    unconfirmed: list[Row[Any]] = field(default_factory=list)

    def failure_of(self, row_id: int) -> str | None:
        for row, exc in self.refused:
            if row.id == row_id:
                return type(exc).__name__
        if any(row.id == row_id for row in self.unconfirmed):
            return "no confirm"
        return None


class Confirms:
    """One channel in confirm mode; rows are expected in publish order."""

    def __init__(self, channel: Any) -> None:  # py-amqp's Channel (untyped)
        self.channel = channel
        self.sequence = 0                      # the broker numbers a channel's publishes from 1
        self.waiting: dict[int, Row[Any]] = {}  # delivery tag -> row, in publish order
        self.acked: list[Row[Any]] = []
        self.nacked: list[Row[Any]] = []
        self.returned: set[str] = set()        # message ids the broker could not route
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)

    def expect(self, row: Row[Any]) -> None:
        """Call just before publishing ``row``: its delivery tag is the next number."""
        self.sequence += 1
        self.waiting[self.sequence] = row

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.waiting:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConfirmTimeout(f"{len(self.waiting)} message(s) without a confirm after {timeout} s")
            try:
                self.channel.connection.drain_events(timeout=remaining)
            except TimeoutError:
                continue

    def settle(self) -> Settled:
        """What the batch came to; the tracker is empty again afterwards."""
        settled = Settled(unconfirmed=list(self.waiting.values()))
        for row in self.acked:
            if row.event_id in self.returned:
                settled.refused.append((row, Unroutable(f"no queue is bound to {row.event_type}")))
            else:
                settled.confirmed.append(row)
        settled.refused.extend((row, MessageNacked(f"the broker refused {row.event_id}")) for row in self.nacked)
        self.acked, self.nacked, self.returned = [], [], set()
        # A late confirm for a row given up on must not be taken for a later row's.
        self.waiting = {}
        return settled

    def _take(self, delivery_tag: int, multiple: bool) -> list[Row[Any]]:
        tags = [tag for tag in self.waiting if tag <= delivery_tag] if multiple else [delivery_tag]
        return [row for tag in tags if (row := self.waiting.pop(tag, None)) is not None]

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self.acked.extend(self._take(delivery_tag, multiple))

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self.nacked.extend(self._take(delivery_tag, multiple))

    def _on_return(self, exc: Exception, exchange: str, routing_key: str, message: Any) -> None:
        message_id = (getattr(message, "properties", None) or {}).get("message_id")
        if message_id:
            self.returned.add(message_id)
