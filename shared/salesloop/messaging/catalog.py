"""The events a service publishes and the events it reads, each with its schema.

A producer owns the schema of what it publishes (``EventCatalog``); a consumer
reads with its own tolerant schema of the fields it uses (``Subscription``), so a
department can release without the others. Unknown fields are ignored on read.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import Any, cast
from collections.abc import Callable, Iterable, Iterator

from marshmallow import EXCLUDE, Schema, ValidationError


class UnknownEventType(LookupError):
    pass


class EventSchemaError(ValueError):
    """Data that does not match the event's schema (field -> messages)."""

    def __init__(self, event_type: str, messages: dict[str, Any] | list[Any]):
        super().__init__(f"{event_type}: {messages}")
        self.event_type = event_type
        self.messages = messages


@dataclass(frozen=True)
class EventDefinition:
    type: str
    schema: builtins.type[Schema]  # builtins: ``type`` here is the field above
    summary: str
    version: int = 1
    example: dict[str, Any] | None = None


@dataclass(frozen=True)
class Outgoing:
    """An integration event about to be written to the outbox."""

    type: str
    data: dict[str, Any]
    subject: str | None = None
    time: datetime | None = None


Translation = Callable[[Any], "Outgoing | Iterable[Outgoing] | None"]


class EventCatalog:
    def __init__(self, source: str):
        self.source = source
        self._definitions: dict[str, EventDefinition] = {}
        self._instances: dict[str, Schema] = {}
        self._translations: dict[type, Translation] = {}

    # -- domain events -> integration events --------------------------------------------
    def translates(self, *domain_event_types: type) -> Callable[[Translation], Translation]:
        """Register how a domain event becomes the integration events it announces.

        The unit of work calls it at commit for every domain event a command
        emitted; a domain event with no registered translation is an error, so
        nothing a command emits is silently dropped (return None to publish nothing).
        """

        def register(translation: Translation) -> Translation:
            for domain_event_type in domain_event_types:
                self._translations[domain_event_type] = translation
            return translation

        return register

    def translate(self, domain_event: Any) -> list[Outgoing]:
        for kind in type(domain_event).__mro__:
            if kind in self._translations:
                produced = self._translations[kind](domain_event)
                if produced is None:
                    return []
                return [produced] if isinstance(produced, Outgoing) else list(produced)
        raise UnknownEventType(f"{self.source} has no translation for {type(domain_event).__name__}")

    def define(self, event_type: str, schema: type[Schema], summary: str, *,
               version: int = 1, example: dict[str, Any] | None = None) -> None:
        self._definitions[event_type] = EventDefinition(event_type, schema, summary, version, example)

    def __iter__(self) -> Iterator[EventDefinition]:
        return iter(sorted(self._definitions.values(), key=lambda d: d.type))

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._definitions

    def get(self, event_type: str) -> EventDefinition:
        try:
            return self._definitions[event_type]
        except KeyError:
            raise UnknownEventType(f"{self.source} does not publish {event_type}") from None

    def _schema(self, event_type: str) -> Schema:
        # One instance per type: building marshmallow schemas is costly on bulk paths.
        if event_type not in self._instances:
            self._instances[event_type] = self.get(event_type).schema()
        return self._instances[event_type]

    def serialize(self, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        """Dump to JSON-safe data, then load it back so required fields are checked."""
        schema = self._schema(event_type)
        payload: dict[str, Any] = schema.dump(data)
        try:
            schema.load(payload)
        except ValidationError as exc:
            raise EventSchemaError(event_type, exc.messages) from exc
        return payload


class ReaderSchema(Schema):
    """Base for consumers' schemas: ignores unknown fields at every level, so a
    producer's additive change (even inside a nested object) never breaks a reader.
    Nested reader schemas should derive from it too."""

    class Meta:
        unknown = EXCLUDE


Handler = Callable[..., None]
# Called once per batch with the batch's events of this subscription, before their
# handlers run in the same transaction: what every handler would read or lock one
# event at a time can be read or locked once (a cache in ``uow.deferred``).
Prepare = Callable[..., None]


@dataclass(frozen=True)
class Subscription:
    """One event type a service consumes: its reader schema and its handler."""

    event_type: str
    schema: type[Schema]
    handler: Handler
    description: str = ""
    prepare: Prepare | None = None

    @cached_property
    def _reader(self) -> Schema:
        # One instance per subscription: building a marshmallow schema costs more than a load.
        return self.schema(unknown=EXCLUDE)

    def read(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            return cast("dict[str, Any]", self._reader.load(data))
        except ValidationError as exc:
            raise EventSchemaError(self.event_type, exc.messages) from exc


@dataclass
class Subscriptions:
    items: dict[str, Subscription] = field(default_factory=dict)
    extra_bindings: tuple[str, ...] = ()
    fallback: Subscription | None = None

    def add(self, event_type: str, schema: type[Schema], handler: Handler, description: str = "",
            prepare: Prepare | None = None) -> Subscriptions:
        self.items[event_type] = Subscription(event_type, schema, handler, description, prepare)
        return self

    def catch_all(self, schema: type[Schema], handler: Handler, binding: str = "#",
                  prepare: Prepare | None = None) -> Subscriptions:
        """Consume every event (the KPI service): bound with a wildcard key."""
        self.fallback = Subscription(binding, schema, handler, "every event", prepare)
        self.extra_bindings = (*self.extra_bindings, binding)
        return self

    def for_type(self, event_type: str) -> Subscription | None:
        return self.items.get(event_type) or self.fallback

    @property
    def bindings(self) -> list[str]:
        return sorted(self.items) + list(self.extra_bindings)
