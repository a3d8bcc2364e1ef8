"""Runs incoming events through their handlers, exactly once per event id.

Kept apart from kombu so a test can hand an event straight to a service
(``harness.deliver``) and so the worker stays a thin adapter.

Untrusted input never vanishes: a message that can't be read, whose type no
subscription knows, or whose type is not the routing key it was published with
is a PermanentFailure (the worker parks it with the reason), and so is a
database error that retrying cannot cure.
"""
from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from sqlalchemy.exc import DataError, IntegrityError

from salesloop.messaging.catalog import EventSchemaError, Subscription, Subscriptions
from salesloop.messaging.envelope import Envelope, InvalidEnvelope, parse_envelope

if TYPE_CHECKING:
    from salesloop.uow import UnitOfWork

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"


class PermanentFailure(Exception):
    """The message can never succeed as it is: park it now, with this reason."""


@dataclass(frozen=True)
class Event:
    """What a handler receives: the envelope's attributes and the validated data."""

    envelope: Envelope
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return self.envelope.id

    @property
    def type(self) -> str:
        return self.envelope.type

    @property
    def occurred_at(self) -> datetime:
        return self.envelope.occurred_at

    @property
    def subject(self) -> str | None:
        return self.envelope.subject


@dataclass(frozen=True)
class Ready:
    """A message read and checked: the event and the subscription that handles it."""

    subscription: Subscription
    event: Event


def _size(body: Any) -> int:
    if isinstance(body, bytes):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    return 0  # already decoded by the caller (tests): nothing to measure


class EventProcessor:
    def __init__(self, subscriptions: Subscriptions, uow_factory: Callable[[], UnitOfWork],
                 max_body_bytes: int = 1_048_576) -> None:
        self.subscriptions = subscriptions
        self.uow_factory = uow_factory
        self.max_body_bytes = max_body_bytes

    # -- reading ------------------------------------------------------------------
    def read(self, body: Any, routing_key: str | None = None) -> Ready:
        """Check a message before any transaction; ``routing_key`` is the key it was
        published with (None when a test hands the event over directly)."""
        if _size(body) > self.max_body_bytes:
            raise PermanentFailure(f"body of {_size(body):,} bytes is over the limit of {self.max_body_bytes:,}")
        try:
            envelope = parse_envelope(body)
        except InvalidEnvelope as exc:
            raise PermanentFailure(f"invalid envelope: {exc}") from exc
        if routing_key is not None and routing_key != envelope.type:
            raise PermanentFailure(f"type {envelope.type!r} does not match routing key {routing_key!r}")
        subscription = self.subscriptions.for_type(envelope.type)
        if subscription is None:
            raise PermanentFailure(f"no subscription for type {envelope.type!r}")
        try:
            data = subscription.read(envelope.data)
        except EventSchemaError as exc:
            raise PermanentFailure(f"invalid {envelope.type} data: {exc.messages}") from exc
        return Ready(subscription, Event(envelope, data))

    # -- one message, one transaction ------------------------------------------------
    def process(self, body: Any, routing_key: str | None = None) -> Outcome:
        ready = self.read(body, routing_key)
        trace.get_current_span().set_attribute("messaging.message.id", ready.event.id)
        try:
            return self._handle_once(ready)
        except IntegrityError:
            # Most likely a concurrent handler inserted the same row a moment ago:
            # once more, in a fresh transaction that sees it. A second violation is no race.
            try:
                return self._handle_once(ready)
            except IntegrityError as exc:
                raise PermanentFailure(f"a database constraint refused it: {exc.orig}") from exc

    def _handle_once(self, ready: Ready) -> Outcome:
        uow = self.uow_factory()
        try:
            if uow.already_processed(ready.event.id):
                return Outcome.DUPLICATE
            # The inbox row and the handler's effect commit in one transaction:
            # a crash before the commit leaves neither, a redelivery after it finds the row.
            uow.mark_processed(ready.event.envelope)
            ready.subscription.handler(ready.event, uow)
            uow.commit()
            return Outcome.HANDLED
        except DataError as exc:  # a value the column can't hold: no retry will change it
            raise PermanentFailure(f"the database refused the data: {exc.orig}") from exc
        except IntegrityError:
            uow.rollback()
            if uow.already_processed(ready.event.id):  # a concurrent delivery won the race
                return Outcome.DUPLICATE
            raise
        finally:
            uow.rollback()
            uow.close()

    # -- a batch, one transaction -------------------------------------------------------
    def handle_batch(self, batch: list[Ready],
                     around: Callable[[Ready], AbstractContextManager[object]] | None = None) -> list[Outcome]:
        """Handle every event of the batch in one transaction and commit once.

        Raises on any failure with nothing committed; the caller then goes
        message by message so one poison message never takes its neighbours
        with it. ``around(ready)`` gives a context manager for each handler call
        (the worker's per-message span)."""
        uow = self.uow_factory()
        try:
            seen = uow.processed_among([ready.event.id for ready in batch])
            outcomes, fresh = [], []
            for ready in batch:
                duplicate = ready.event.id in seen
                seen.add(ready.event.id)  # the same event twice in one batch counts once
                outcomes.append(Outcome.DUPLICATE if duplicate else Outcome.HANDLED)
                if not duplicate:
                    fresh.append(ready)
            uow.mark_all_processed([ready.event.envelope for ready in fresh])
            self._prepare(fresh, uow)
            for ready in fresh:
                if around is None:
                    ready.subscription.handler(ready.event, uow)
                    continue
                with around(ready):
                    ready.subscription.handler(ready.event, uow)
            uow.commit()
            return outcomes
        finally:
            uow.rollback()
            uow.close()

    @staticmethod
    def _prepare(batch: list[Ready], uow: UnitOfWork) -> None:
        """Each subscription's batch step, once, with its events of the batch in order."""
        groups: dict[int, tuple[Subscription, list[Event]]] = {}
        for ready in batch:
            if ready.subscription.prepare is not None:
                groups.setdefault(id(ready.subscription), (ready.subscription, []))[1].append(ready.event)
        for subscription, events in groups.values():
            assert subscription.prepare is not None
            subscription.prepare(events, uow)
