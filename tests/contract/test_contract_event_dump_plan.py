"""Every event of the five catalogs is dumped by its compiled plan exactly as marshmallow's
``Schema.dump`` dumps it: the same keys in the same order, the same values, the same
refusal of a value the field cannot dump. Checked on each event's example and on
generated payloads where fields are missing, null, of another type than declared, or
given as objects instead of dicts."""
from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields

from salesloop.messaging.dump_plan import dump_plan

sys.path.insert(0, str(Path(__file__).parent))
from catalogs import load_all  # noqa: E402

VARIANTS = 60

DEFINITIONS = [(definition.type, definition) for service in load_all()
               for catalog in (service.catalog, *service.external) for definition in catalog]


def _value(field: fields.Field, rng: random.Random, depth: int = 0):
    """A value for ``field``: usually of its type, sometimes null or of another type."""
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.15 and depth < 3:
        return rng.choice(["7", 7, 7.5, True, Decimal("7.10")])  # a type the field does not declare
    kind = type(field)
    if kind is fields.Nested:
        nested = field.schema
        if field.many:
            return [_object(nested, rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return _object(nested, rng, depth + 1)
    if kind is fields.List:
        return [_value(field.inner, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if isinstance(field, fields.DateTime):
        return datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 10**6))
    if isinstance(field, fields.Date):
        return date(2026, 1, 1) + timedelta(days=rng.randint(0, 900))
    if isinstance(field, fields.Decimal):
        return Decimal(rng.randint(-10**8, 10**8)) / 100
    if isinstance(field, fields.Boolean):
        return rng.random() < 0.5
    if isinstance(field, fields.Integer):
        return rng.randint(-1000, 10**6)
    if isinstance(field, fields.Float):
        return rng.random() * 100
    return rng.choice(["", "华东", "lead-1", "a" * 40])


def _object(schema: Schema, rng: random.Random, depth: int = 0):
    """A dict (now and then an object with attributes) with some of the schema's fields left out."""
    data = {field.attribute or name: _value(field, rng, depth) for name, field in schema.fields.items()
            if rng.random() > 0.15}
    return SimpleNamespace(**data) if rng.random() < 0.1 else data


def _outcome(dump, data):
    try:
        return "dumped", list(dump(data).items())
    except Exception as exc:  # a value the field cannot dump: both must refuse it alike
        return "refused", type(exc)


@pytest.mark.parametrize(("event_type", "definition"), DEFINITIONS, ids=[t for t, _ in DEFINITIONS])
def test_the_plan_dumps_every_event_as_marshmallow_does(event_type, definition):
    schema = definition.schema()
    plan = dump_plan(schema)
    assert plan is not None, f"{event_type} has no plan: its schema would be dumped the slow way"
    payloads = [schema.load(definition.example)]
    rng = random.Random(event_type)
    payloads += [_object(schema, rng) for _ in range(VARIANTS)]
    for data in payloads:
        assert _outcome(plan, data) == _outcome(schema.dump, data), data
