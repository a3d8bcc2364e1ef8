"""A schema's dump compiled once into a plan of its fields.

Every event a service publishes is dumped through its marshmallow schema, and on the
bulk paths (an import chunk, a worker's batch) that dump is a fifth of the time:
``Schema.dump`` asks each field to ``serialize``, which asks the schema's accessor,
which tries the key and then the attribute, before the field's own ``_serialize``
does the one thing that matters. A plan keeps that last step and does the rest once:
the fields to dump, their keys, their defaults, the nested schemas' plans.

The plan gives what ``schema.dump`` gives, key for key and in the same order (the
test compares them on every event of the five catalogs). A schema it could get
wrong gets no plan and is dumped by marshmallow: dump hooks, a custom accessor, a
field that overrides how it reads its value, ``many`` schemas.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import get_value

Plan = Callable[[Any], dict[str, Any]]
# How one field turns its value into the dumped form: (value, attr, obj) as Field._serialize takes them.
ValueDump = Callable[[Any, str, Any], Any]
# One field of a plan: where its value is read, its key out, its name, its default, its dump.
Step = tuple[str, str, str, Any, ValueDump]


def dump_plan(schema: Schema) -> Plan | None:
    """A function dumping one object as ``schema.dump`` would, or None when only marshmallow can."""
    return None if schema.many else _one_object_plan(schema)


def dumper(schema: Schema) -> Plan:
    """The plan when there is one, else the schema's own dump: what to call to dump with ``schema``."""
    return dump_plan(schema) or cast(Plan, schema.dump)


def _one_object_plan(schema: Schema) -> Plan | None:
    """The plan for one object; a ``many`` dump without hooks is this plan applied to each."""
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        return None
    if type(schema).get_attribute is not Schema.get_attribute or schema.dict_class is not dict:
        return None
    steps: list[Step] = []
    for attr, field in schema.dump_fields.items():
        value_dump = _value_dump(field)
        if value_dump is None or not _reads_its_value_plainly(field):
            return None
        key = field.data_key if field.data_key is not None else attr
        steps.append((field.attribute or attr, key, attr, field.dump_default, value_dump))
    return _plan_of(tuple(steps))


def _plan_of(steps: tuple[Step, ...]) -> Plan:
    def dump(obj: Any) -> dict[str, Any]:
        out = {}
        plain = type(obj) is dict
        for source, key, attr, default, value_dump in steps:
            if plain and source in obj and "." not in source:
                value = obj[source]
            else:  # marshmallow's own accessor for the rest: objects, dotted paths, missing keys
                value = get_value(obj, source, missing)
            if value is missing:
                value = default() if callable(default) else default
                if value is missing:
                    continue
            out[key] = value_dump(value, attr, obj)
        return out

    return dump


def _reads_its_value_plainly(field: fields.Field[Any]) -> bool:
    """A field that reads its value the way Field.serialize does (Method and Function fields don't)."""
    kind = type(field)
    return kind.serialize is fields.Field.serialize and kind.get_value is fields.Field.get_value \
        and field._CHECK_ATTRIBUTE


def _value_dump(field: fields.Field[Any]) -> ValueDump | None:
    kind = type(field)
    if kind is fields.Nested:
        return _nested_dump(cast(fields.Nested, field))
    if kind is fields.List:
        return _list_dump(cast("fields.List[Any]", field))
    if issubclass(kind, (fields.Nested, fields.List, fields.Tuple, fields.Mapping)):
        return None  # containers whose items a plan would have to know: marshmallow's dump
    serialize = field._serialize
    if kind is fields.String:
        return lambda value, attr, obj: value if type(value) is str else serialize(value, attr, obj)
    if kind is fields.Integer and not cast(fields.Integer, field).as_string:
        return lambda value, attr, obj: value if type(value) is int else serialize(value, attr, obj)
    return serialize


def _nested_dump(field: fields.Nested) -> ValueDump | None:
    nested = field.schema
    plan = _one_object_plan(nested)
    if plan is None:
        return None
    if nested.many or field.many:
        return lambda value, attr, obj: None if value is None else [plan(item) for item in value]
    return lambda value, attr, obj: None if value is None else plan(value)


def _list_dump(field: fields.List[Any]) -> ValueDump | None:
    inner = _value_dump(field.inner)
    if inner is None:
        return None
    return lambda value, attr, obj: None if value is None else [inner(item, attr, obj) for item in value]
