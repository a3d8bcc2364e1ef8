"""Runs one incoming event through its handler, exactly once per event id.

Kept apart from kombu so a test can hand an event straight to a service
(``harness.deliver``) and so the worker stays a thin adapter.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from opentelemetry import trace
from sqlalchemy.exc import IntegrityError

from salesloop.messaging.catalog import EventSchemaError, Subscriptions
from salesloop.messaging.envelope import Envelope, InvalidEnvelope, parse_envelope

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


class PermanentFailure(Exception):
    """The message can never succeed as it is (bad envelope or schema): park it now."""


@dataclass(frozen=True)
class Event:
    """What a handler receives: the envelope's attributes and the validated data."""

    envelope: Envelope
    data: dict

    @property
    def id(self) -> str:
        return self.envelope.id

    @property
    def type(self) -> str:
        return self.envelope.type

    @property
    def occurred_at(self):
        return self.envelope.occurred_at

    @property
    def subject(self):
        return self.envelope.subject


class EventProcessor:
    def __init__(self, subscriptions: Subscriptions, uow_factory):
        self.subscriptions = subscriptions
        self.uow_factory = uow_factory

    def process(self, body) -> Outcome:
        try:
            envelope = parse_envelope(body)
        except InvalidEnvelope as exc:
            raise PermanentFailure(f"invalid envelope: {exc}") from exc
        subscription = self.subscriptions.for_type(envelope.type)
        if subscription is None:
            return Outcome.IGNORED
        try:
            data = subscription.read(envelope.data)
        except EventSchemaError as exc:
            raise PermanentFailure(f"invalid {envelope.type} data: {exc.messages}") from exc
        span = trace.get_current_span()
        span.set_attribute("messaging.message.id", envelope.id)
        return self._handle_once(subscription, Event(envelope, data))

    def _handle_once(self, subscription, event: Event) -> Outcome:
        uow = self.uow_factory()
        try:
            if uow.already_processed(event.id):
                return Outcome.DUPLICATE
            # The inbox row and the handler's effect commit in one transaction:
            # a crash before the commit leaves neither, a redelivery after it finds the row.
            uow.mark_processed(event.envelope)
            subscription.handler(event, uow)
            uow.commit()
            return Outcome.HANDLED
        except IntegrityError:
            uow.rollback()
            if uow.already_processed(event.id):  # a concurrent delivery won the race
                return Outcome.DUPLICATE
            raise
        finally:
            uow.rollback()
            uow.close()
