"""Inspect, replay and purge the messages parked in a service's dead-letter queue.

Every parked message is a *letter* with an id of its own: the worker stamps one
when it parks a message (``x-salesloop-letter-id``); a message the broker parked
by itself gets one derived from its body and its first death, so it reads the
same on every listing. An operator acts on one letter, on every letter of one
event id, or on all of them — a body that is not JSON, or carries no id, can
still be handled alone.

Replay publishes with confirms and mandatory routing and acks the parked copy
only once the broker has confirmed the new one: if the broker refuses it, cannot
route it, or the connection drops, the letter stays parked.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from salesloop.messaging.bus import DEFAULT_EXCHANGE, Bus
from salesloop.messaging.kombu_typed import Connection, Message, Producer
from salesloop.messaging.worker import ATTEMPTS, LETTER_ID, ORIGINAL_KEY, PARKED_AT, REASON, REPLAY_ID, TRACEBACK

# What a parking added; a replayed message arrives as if for the first time.
PARKING_HEADERS = (ATTEMPTS, REASON, LETTER_ID, PARKED_AT, TRACEBACK, REPLAY_ID, "x-death", "x-first-death-exchange",
                   "x-first-death-queue", "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
                   "x-last-death-reason")


@dataclass
class DeadLetter:
    letter_id: str
    event_id: str | None
    event_type: str | None
    routing_key: str
    reason: str
    headers: dict[str, Any]
    body: bytes
    copies: int = 1  # a message parked again after a redelivery is one letter

    def summary(self) -> dict[str, Any]:
        deaths = self.headers.get("x-death") or []
        return {
            "letter_id": self.letter_id,
            "event_id": self.event_id,
            "type": self.event_type,
            "routing_key": self.routing_key,
            "reason": self.reason or (deaths[0].get("reason") if deaths else "unknown"),
            "parked_at": self.headers.get(PARKED_AT),
            "copies": self.copies,
            "broker_deaths": [{"reason": d.get("reason"), "queue": d.get("queue"), "count": d.get("count")}
                              for d in deaths],
        }


@dataclass(frozen=True)
class Selection:
    """Which letters an action takes: by letter id, by event id, or all."""

    letter_id: str | None = None
    event_id: str | None = None
    every: bool = False

    def __post_init__(self) -> None:
        if sum((self.letter_id is not None, self.event_id is not None, self.every)) != 1:
            raise ValueError("name one letter id, one event id, or all")

    def takes(self, letter: DeadLetter) -> bool:
        if self.every:
            return True
        if self.letter_id is not None:
            return letter.letter_id == self.letter_id
        return letter.event_id == self.event_id


@dataclass
class Result:
    done: list[str] = field(default_factory=list)        # letter ids replayed or purged
    kept: dict[str, str] = field(default_factory=dict)   # letter id -> why it stays parked

    @property
    def count(self) -> int:
        return len(self.done)


def read_letter(message: Message) -> DeadLetter:
    headers = dict(message.headers or {})
    # kombu hands some content types' bodies over as text: a letter always holds the bytes.
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    try:
        envelope = json.loads(body)
        event_id, event_type = envelope.get("id"), envelope.get("type")
    except (ValueError, AttributeError, TypeError):
        event_id = event_type = None
    event_id = event_id if isinstance(event_id, str) else None
    event_type = event_type if isinstance(event_type, str) else None
    return DeadLetter(headers.get(LETTER_ID) or broker_letter_id(body, headers), event_id, event_type,
                      original_routing_key(headers), headers.get(REASON, ""), headers, body)


def broker_letter_id(body: bytes, headers: dict[str, Any]) -> str:
    """A stable id for a letter the broker parked without us: its body and first death."""
    deaths = headers.get("x-death") or [{}]
    first = deaths[-1]  # RabbitMQ keeps the oldest death last
    seed = json.dumps([first.get("queue"), first.get("reason"), str(first.get("time")),
                       list(first.get("routing-keys") or [])], default=str).encode()
    return "b-" + hashlib.sha256(seed + b"\0" + body).hexdigest()[:30]


def original_routing_key(headers: dict[str, Any]) -> str:
    if headers.get(ORIGINAL_KEY):
        key: str = headers[ORIGINAL_KEY]
        return key
    for death in headers.get("x-death") or []:
        if death.get("routing-keys"):
            first: str = death["routing-keys"][0]
            return first
    return ""


class DeadLetterQueue:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def _drain(self, connection: Connection) -> list[Message]:
        """Take every parked message without acking (each unacked one returns on close)."""
        queue = self.bus.dead_letter_queue()(connection.default_channel)
        queue.declare()
        messages: list[Message] = []
        while (message := queue.get(no_ack=False, accept=None)) is not None:
            messages.append(message)
        return messages

    def _letters(self, connection: Connection) -> Iterator[tuple[DeadLetter, list[Message]]]:
        """Every parked letter once, oldest first, with all its parked copies."""
        copies: dict[str, tuple[DeadLetter, list[Message]]] = {}
        for message in self._drain(connection):
            letter = read_letter(message)
            seen = copies.setdefault(letter.letter_id, (letter, []))
            seen[1].append(message)
            seen[0].copies = len(seen[1])
        yield from copies.values()

    def list(self) -> list[DeadLetter]:
        with self.bus.connect() as connection:
            letters = list(self._letters(connection))
            for _, messages in letters:
                for message in messages:
                    message.requeue()
        return [letter for letter, _ in letters]

    def replay(self, selection: Selection, fixed_data: dict[str, Any] | None = None) -> Result:
        """Send the selected letters back to the service queue, as first arrivals.

        ``fixed_data`` replaces the event's ``data`` — an operator's correction of
        a malformed event; its id is kept so the inbox still de-duplicates it.
        """
        result = Result()
        with self.bus.connect() as reader, self.bus.connect(confirm=True) as writer:
            returned: list[str] = []
            producer = Producer(writer.default_channel, auto_declare=False,
                                on_return=(lambda exc, *_: returned.append(str(exc))) if self.bus.is_amqp else None)
            for letter, messages in self._letters(reader):
                if not selection.takes(letter):
                    _settle(messages, Message.requeue)
                    continue
                returned.clear()
                try:
                    self._republish(producer, messages[0], letter, fixed_data)
                    if returned:
                        raise RuntimeError(f"the service queue {self.bus.queue_name} is missing: {returned[0]}")
                except Exception as exc:  # the parked copies are the only ones: keep them
                    _settle(messages, Message.requeue)
                    result.kept[letter.letter_id] = f"{type(exc).__name__}: {exc}"
                    continue
                _settle(messages, Message.ack)
                result.done.append(letter.letter_id)
        return result

    def _republish(self, producer: Producer, message: Message, letter: DeadLetter,
                   fixed_data: dict[str, Any] | None) -> None:
        body = letter.body
        if fixed_data is not None:
            envelope = json.loads(body)
            envelope["data"] = fixed_data
            body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        headers = {k: v for k, v in letter.headers.items() if k not in PARKING_HEADERS}
        headers[ORIGINAL_KEY] = letter.routing_key
        headers[REPLAY_ID] = uuid.uuid4().hex  # parked again, it is a new letter
        producer.publish(body, exchange=DEFAULT_EXCHANGE, routing_key=self.bus.queue_name, headers=headers,
                         content_type=message.content_type, content_encoding=message.content_encoding or "utf-8",
                         delivery_mode=2, mandatory=self.bus.is_amqp, retry=False,
                         confirm_timeout=self.bus.settings.confirm_timeout)

    def purge(self, selection: Selection) -> Result:
        result = Result()
        with self.bus.connect() as connection:
            for letter, messages in self._letters(connection):
                if selection.takes(letter):
                    _settle(messages, Message.ack)
                    result.done.append(letter.letter_id)
                else:
                    _settle(messages, Message.requeue)
        return result


def _settle(messages: list[Message], how: Any) -> None:
    for message in messages:
        how(message)
