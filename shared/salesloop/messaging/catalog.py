"""The events a service publishes and the events it reads, each with its schema.

A producer owns the schema of what it publishes (``EventCatalog``); a consumer
reads with its own tolerant schema of the fields it uses (``Subscription``), so a
department can release without the others. Unknown fields are ignored on read.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from datetime import datetime
from typing import Any, cast
from collections.abc import Callable, Iterable, Iterator

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from salesloop.messaging.dump_plan import dumper


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
        self._checked_on_dump: dict[str, bool] = {}
        self._dumps: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
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
        """Dump to JSON-safe data and refuse what the schema's own load would refuse
        (a required field missing, a null where none is allowed…) with EventSchemaError."""
        schema = self._schema(event_type)
        payload = self._dump(event_type, schema)(data)
        messages: dict[str, Any] | list[Any]
        if self._checks_on_dump(event_type, schema):
            messages = payload_problems(schema, payload)
        else:
            messages = _load_problems(schema, payload)
        if messages:
            raise EventSchemaError(event_type, messages)
        return payload

    def _dump(self, event_type: str, schema: Schema) -> Callable[[dict[str, Any]], dict[str, Any]]:
        if event_type not in self._dumps:
            self._dumps[event_type] = dumper(schema)
        return self._dumps[event_type]

    def _checks_on_dump(self, event_type: str, schema: Schema) -> bool:
        if event_type not in self._checked_on_dump:
            self._checked_on_dump[event_type] = checkable_on_dump(schema)
        return self._checked_on_dump[event_type]


# -- checking a dumped payload without loading it back ---------------------------------------
# Loading the payload back through the schema checks it fully, but costs twice the dump on a
# bulk path (a worker's batch publishes an event per message). For fields whose dumped form
# always loads back (text, numbers, ISO dates, booleans, nested schemas and lists of them)
# what a load could still refuse is a missing required field, a null where none is allowed,
# a NaN or infinite decimal, and a validator: those are checked on the payload itself.
# Validators run only where the dumped value is the very value a load would hand them
# (text, integers, booleans). Any schema with something else (hooks, validators on other
# fields, other field types, custom formats) is loaded back.

_PLAIN_FIELDS = (fields.String, fields.Integer, fields.Decimal, fields.Boolean)
_LOADED_AS_DUMPED = (fields.String, fields.Integer, fields.Boolean)
_ISO_TEMPORAL_FIELDS = (fields.DateTime, fields.Date)


def checkable_on_dump(schema: Schema) -> bool:
    """Whether payload_problems finds all that loading ``schema``'s dumped payload would."""
    if any(schema._hooks.values()):  # pre/post hooks and @validates: only a load runs them
        return False
    return all(_field_checkable_on_dump(declared) for declared in schema.fields.values())


def _field_checkable_on_dump(field: fields.Field[Any]) -> bool:
    kind = type(field)  # exact types: a subclass (AwareDateTime, Email…) may refuse more
    if field.load_only or field.dump_only or (field.validators and kind not in _LOADED_AS_DUMPED):
        return False
    if kind is fields.Nested:
        return checkable_on_dump(cast(fields.Nested, field).schema)
    if kind is fields.List:
        return _field_checkable_on_dump(cast("fields.List[Any]", field).inner)
    if kind in _ISO_TEMPORAL_FIELDS:
        return cast(Any, field).format in (None, "iso")
    return kind in _PLAIN_FIELDS


def payload_problems(schema: Schema, payload: dict[str, Any]) -> dict[str, Any]:
    """Field -> messages, as the schema's load would word them; empty when the payload is valid."""
    problems: dict[str, Any] = {}
    for name, declared in schema.fields.items():
        key = declared.data_key or name
        if key not in payload:
            if declared.required:
                problems[key] = [declared.error_messages["required"]]
            continue
        if found := _value_problems(declared, payload[key]):
            problems[key] = found
    return problems


def _value_problems(field: fields.Field[Any], value: Any) -> Any:
    if value is None:
        return None if field.allow_none else [field.error_messages["null"]]
    kind = type(field)
    if kind is fields.Nested:
        nested = cast(fields.Nested, field).schema
        if cast(fields.Nested, field).many:
            return _item_problems(value, lambda item: payload_problems(nested, item))
        return payload_problems(nested, value) or None
    if kind is fields.List:
        inner = cast("fields.List[Any]", field).inner
        return _item_problems(value, lambda item: _value_problems(inner, item))
    if kind is fields.Decimal and not cast(fields.Decimal, field).allow_nan and not Decimal(value).is_finite():
        return [field.error_messages["special"]]
    if field.validators:
        try:
            field._validate(value)  # what Field.deserialize runs after converting (marshmallow is pinned)
        except ValidationError as exc:
            return exc.messages
    return None


def _item_problems(items: list[Any], problems_of: Callable[[Any], Any]) -> dict[int, Any] | None:
    found = {index: problems for index, item in enumerate(items) if (problems := problems_of(item))}
    return found or None


def _load_problems(schema: Schema, payload: dict[str, Any]) -> dict[str, Any] | list[Any]:
    try:
        schema.load(payload)
    except ValidationError as exc:
        return exc.messages
    return {}


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
