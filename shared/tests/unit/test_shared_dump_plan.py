"""A compiled dump plan gives what marshmallow's dump gives, and a schema it could get
wrong gets no plan at all (the catalog then dumps it with marshmallow)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, post_dump, pre_dump

from salesloop.messaging.catalog import EventCatalog
from salesloop.messaging.dump_plan import dump_plan


class Contact(Schema):
    email = fields.String(allow_none=True)
    phone = fields.String(data_key="mobile")


class Line(Schema):
    code = fields.String(required=True)
    amount = fields.Decimal(as_string=True, places=2)
    secret = fields.String(load_only=True)


class Everything(Schema):
    """Each way a field finds, names or defaults its value."""

    order_id = fields.String(data_key="id")
    owner = fields.String(attribute="rep")
    city = fields.String(attribute="address.city")
    status = fields.String(dump_default="open")
    stamped = fields.Date(dump_default=lambda: date(2026, 1, 2))
    count = fields.Integer()
    count_text = fields.Integer(as_string=True)
    ratio = fields.Float()
    placed_at = fields.DateTime()
    day = fields.Date()
    paid = fields.Boolean()
    contact = fields.Nested(Contact, allow_none=True)
    lines = fields.List(fields.Nested(Line))
    only_codes = fields.Nested(Line, many=True, only=("code",))
    tags = fields.List(fields.String())
    items = fields.String()  # a dict's own method name: marshmallow falls back to the attribute


FULL = {
    "order_id": "o-1", "rep": "rep-1", "address": {"city": "上海"}, "count": 3, "count_text": 4, "ratio": 0.5,
    "placed_at": datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc), "day": date(2026, 3, 2), "paid": True,
    "contact": {"email": None, "phone": "13900000000"},
    "lines": [{"code": "ERP", "amount": Decimal("12.345"), "secret": "x"}, {"code": "CRM"}],
    "only_codes": [{"code": "ERP", "amount": Decimal("1")}], "tags": ["b2b", 7], "items": "three",
}


def _same(schema: Schema, data) -> None:
    plan = dump_plan(schema)
    assert plan is not None
    assert list(plan(data).items()) == list(schema.dump(data).items())


@pytest.mark.parametrize("data", [
    FULL,
    {},  # every field missing: defaults, and a dict's "items" method as marshmallow finds it
    {key: None for key in FULL},
    {**FULL, "count": "12", "tags": None, "contact": SimpleNamespace(email="a@b.cn", phone=None)},
    SimpleNamespace(**FULL),
], ids=["full", "empty", "nulls", "other-types", "object"])
def test_a_plan_dumps_as_marshmallow_does(data):
    _same(Everything(), data)


def test_a_value_the_field_cannot_dump_is_refused_alike():
    schema, bad = Everything(), {"placed_at": "yesterday"}
    with pytest.raises(TypeError):
        schema.dump(bad)
    with pytest.raises(TypeError):
        dump_plan(schema)(bad)


class WithPreDump(Schema):
    name = fields.String()

    @pre_dump
    def upper(self, data, **kwargs):
        return {"name": data["name"].upper()}


class WithPostDump(Schema):
    name = fields.String()

    @post_dump
    def tagged(self, data, **kwargs):
        return {**data, "tag": 1}


class WithMethod(Schema):
    name = fields.Method("the_name")

    def the_name(self, obj):
        return "fixed"


class WithAccessor(Schema):
    name = fields.String()

    def get_attribute(self, obj, attr, default):
        return "from the accessor"


class WithPluck(Schema):
    codes = fields.Pluck(Line, "code", many=True)


class WithNestedHook(Schema):
    inner = fields.Nested(WithPreDump)


@pytest.mark.parametrize("schema", [WithPreDump(), WithPostDump(), WithMethod(), WithAccessor(), WithPluck(),
                                    WithNestedHook(), Contact(many=True)],
                         ids=["pre_dump", "post_dump", "method", "accessor", "pluck", "nested-hook", "many"])
def test_a_schema_a_plan_could_get_wrong_has_none(schema):
    assert dump_plan(schema) is None


def test_the_catalog_dumps_a_schema_without_a_plan_with_marshmallow():
    catalog = EventCatalog("test")
    catalog.define("test.thing.named", WithPreDump, "a hook the plan cannot run")
    assert catalog.serialize("test.thing.named", {"name": "wang"}) == {"name": "WANG"}
