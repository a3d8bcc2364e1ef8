"""Inspect and replay the messages parked in a service's dead-letter queue."""
from __future__ import annotations

import json
from dataclasses import dataclass

from kombu import Producer

from salesloop.messaging.bus import DEFAULT_EXCHANGE, Bus
from salesloop.messaging.worker import ATTEMPTS, ORIGINAL_KEY, REASON


@dataclass
class DeadLetter:
    event_id: str | None
    event_type: str | None
    routing_key: str
    reason: str
    headers: dict
    body: bytes

    def summary(self) -> dict:
        deaths = self.headers.get("x-death") or []
        return {
            "event_id": self.event_id,
            "type": self.event_type,
            "routing_key": self.routing_key,
            "reason": self.reason or (deaths[0].get("reason") if deaths else "unknown"),
            "parked_at": self.headers.get("x-salesloop-parked-at"),
            "broker_deaths": [{"reason": d.get("reason"), "queue": d.get("queue"), "count": d.get("count")}
                              for d in deaths],
        }


def _read(message) -> DeadLetter:
    headers = dict(message.headers or {})
    try:
        body = json.loads(message.body)
        event_id, event_type = body.get("id"), body.get("type")
    except (ValueError, AttributeError):
        event_id = event_type = None
    return DeadLetter(event_id, event_type, headers.get(ORIGINAL_KEY, ""), headers.get(REASON, ""),
                      headers, message.body)


class DeadLetterQueue:
    def __init__(self, bus: Bus):
        self.bus = bus

    def _drain(self, connection):
        """Take every parked message without acking (they return on close)."""
        queue = self.bus.dead_letter_queue()(connection.default_channel)
        queue.declare()
        messages = []
        while (message := queue.get(no_ack=False, accept=None)) is not None:
            messages.append(message)
        return messages

    def list(self) -> list[DeadLetter]:
        with self.bus.connect() as connection:
            messages = self._drain(connection)
            letters = [_read(m) for m in messages]
            for message in messages:
                message.requeue()
        return letters

    def replay(self, event_id: str | None = None, fixed_data: dict | None = None) -> int:
        """Send parked messages (one event id, or all) back to the service queue.

        ``fixed_data`` replaces the event's ``data`` — an operator's correction of
        a malformed event; its id is kept so the inbox still de-duplicates it.
        """
        replayed = 0
        with self.bus.connect() as connection:
            producer = Producer(connection.default_channel)
            for message in self._drain(connection):
                letter = _read(message)
                if event_id is not None and letter.event_id != event_id:
                    message.requeue()
                    continue
                body = letter.body
                if fixed_data is not None:
                    envelope = json.loads(body)
                    envelope["data"] = fixed_data
                    body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
                headers = {k: v for k, v in letter.headers.items()
                           if k not in (ATTEMPTS, REASON, "x-death", "x-salesloop-traceback")}
                headers["x-salesloop-replayed"] = True
                producer.publish(body, exchange=DEFAULT_EXCHANGE, routing_key=self.bus.queue_name,
                                 headers=headers, content_type=message.content_type,
                                 content_encoding=message.content_encoding or "utf-8", delivery_mode=2)
                message.ack()
                replayed += 1
        return replayed

    def purge(self, event_id: str | None = None) -> int:
        dropped = 0
        with self.bus.connect() as connection:
            for message in self._drain(connection):
                if event_id is None or _read(message).event_id == event_id:
                    message.ack()
                    dropped += 1
                else:
                    message.requeue()
        return dropped
