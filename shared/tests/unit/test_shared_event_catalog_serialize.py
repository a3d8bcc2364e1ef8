"""What a service publishes is checked against its own schema: an event its consumers
could not read is refused at publish time, loudly, whether the catalog checks the dumped
payload itself or loads it back."""
from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, validate

from salesloop.messaging.catalog import EventCatalog, EventSchemaError, checkable_on_dump


class Line(Schema):
    product_code = fields.String(required=True)
    amount = fields.Decimal(as_string=True, required=True)
    unit_cost = fields.Decimal(as_string=True, required=True, allow_none=True)


class Contact(Schema):
    email = fields.String(allow_none=True)


class Placed(Schema):
    order_id = fields.String(required=True)
    version = fields.Integer(required=True)
    total = fields.Decimal(as_string=True, required=True)
    paid = fields.Boolean()
    contact = fields.Nested(Contact, required=True, allow_none=True)
    items = fields.List(fields.Nested(Line), required=True)
    tags = fields.List(fields.String(), required=True)
    delivery_date = fields.Date(required=True)
    placed_at = fields.DateTime(required=True)


class Scored(Schema):
    """Validators on fields whose dumped value is the loaded one: run on the payload."""

    lead_id = fields.String(required=True)
    score = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    grade = fields.String(validate=validate.OneOf(("A", "B", "C")))
    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))


class Priced(Schema):
    """A validator on a decimal: it sees the loaded Decimal, not the dumped text, so loaded back."""

    amount = fields.Decimal(as_string=True, required=True, validate=validate.Range(min=0))


PLACED = {
    "order_id": "o-1", "version": 1, "total": Decimal("9000.00"), "paid": False, "contact": {"email": None},
    "items": [{"product_code": "ERP", "amount": Decimal("9000.00"), "unit_cost": None}], "tags": ["b2b"],
    "delivery_date": date(2025, 6, 1), "placed_at": datetime(2025, 5, 12, 3, tzinfo=timezone.utc),
}


@pytest.fixture
def catalog() -> EventCatalog:
    events = EventCatalog("/salesloop/test")
    events.define("test.order.placed", Placed, "an order was placed")
    events.define("test.lead.scored", Scored, "a lead was scored")
    events.define("test.deal.priced", Priced, "a deal was priced")
    return events


def placed(**changes) -> dict:
    data = copy.deepcopy(PLACED)
    data.update(changes)
    return data


def refusal(catalog: EventCatalog, event_type: str, data: dict):
    with pytest.raises(EventSchemaError) as refused:
        catalog.serialize(event_type, data)
    assert refused.value.event_type == event_type
    return refused.value.messages


def test_a_valid_event_is_its_json_safe_dump(catalog):
    payload = catalog.serialize("test.order.placed", PLACED)

    assert payload == Placed().dump(PLACED)
    assert payload["total"] == "9000.00" and payload["placed_at"] == "2025-05-12T03:00:00+00:00"
    Placed().load(payload)  # what consumers get reads back under the schema


def test_plain_fields_and_validated_text_are_checked_on_the_dump_and_a_validated_decimal_is_loaded_back():
    assert checkable_on_dump(Placed())
    assert checkable_on_dump(Scored())
    assert not checkable_on_dump(Priced())


def test_a_missing_required_field_is_refused(catalog):
    data = placed()
    del data["order_id"]

    assert refusal(catalog, "test.order.placed", data) == {"order_id": ["Missing data for required field."]}


def test_a_null_where_none_is_allowed_is_refused(catalog):
    assert refusal(catalog, "test.order.placed", placed(version=None)) == {"version": ["Field may not be null."]}


def test_a_problem_inside_a_list_of_nested_objects_names_the_item(catalog):
    data = placed(items=[PLACED["items"][0], {"product_code": "SUP", "amount": Decimal("1")}])

    assert refusal(catalog, "test.order.placed", data) == {
        "items": {1: {"unit_cost": ["Missing data for required field."]}}}


def test_a_null_item_in_a_list_is_refused(catalog):
    assert refusal(catalog, "test.order.placed", placed(tags=["b2b", None])) == {
        "tags": {1: ["Field may not be null."]}}


def test_a_decimal_that_is_not_a_number_is_refused(catalog):
    messages = refusal(catalog, "test.order.placed", placed(total=Decimal("NaN")))

    assert list(messages) == ["total"]


def test_nullable_and_optional_fields_may_be_null_or_absent(catalog):
    data = placed(contact=None)
    del data["paid"]

    assert catalog.serialize("test.order.placed", data)["contact"] is None


def test_a_value_a_validator_refuses_is_refused(catalog):
    assert catalog.serialize("test.lead.scored", {"lead_id": "l-1", "score": 80}) == {"lead_id": "l-1", "score": 80}
    assert list(refusal(catalog, "test.lead.scored", {"lead_id": "l-1", "score": 130})) == ["score"]
    assert refusal(catalog, "test.lead.scored", {"score": 10}) == {"lead_id": ["Missing data for required field."]}


@pytest.mark.parametrize("data", [
    {"lead_id": "l-1", "score": 130},
    {"lead_id": "l-1", "score": 50, "grade": "D"},
    {"lead_id": "l-1", "score": 50, "currency": "usd"},
    {"lead_id": "l-1", "score": -1, "grade": "Z", "currency": "CNYY"},
    {"lead_id": "l-1", "score": 50, "grade": "A", "currency": "CNY"},
])
def test_validators_checked_on_the_dump_refuse_exactly_what_loading_back_refuses(catalog, data):
    try:
        Scored().load(Scored().dump(data))
        by_load = None
    except Exception as exc:  # marshmallow's ValidationError
        by_load = exc.messages
    if by_load is None:
        assert catalog.serialize("test.lead.scored", data) == Scored().dump(data)
    else:
        assert refusal(catalog, "test.lead.scored", data) == by_load


def test_a_decimal_its_validator_refuses_is_refused(catalog):
    assert catalog.serialize("test.deal.priced", {"amount": Decimal("5")}) == {"amount": "5"}
    assert list(refusal(catalog, "test.deal.priced", {"amount": Decimal("-5")})) == ["amount"]


@pytest.mark.parametrize("mutation", ["remove", "null"])
def test_the_dump_check_refuses_exactly_what_loading_back_refuses(catalog, mutation):
    schema = Placed()
    for key in PLACED:
        data = placed()
        if mutation == "remove":
            del data[key]
        else:
            data[key] = None
        try:
            payload = schema.dump(data)
        except TypeError:  # a missing "items" is read as dict.items: refused, if not by our check
            with pytest.raises(TypeError):
                catalog.serialize("test.order.placed", data)
            continue
        try:
            schema.load(payload)
            by_load = None
        except Exception as exc:  # marshmallow's ValidationError
            by_load = exc.messages
        if by_load is None:
            assert catalog.serialize("test.order.placed", data) == payload
        else:
            assert refusal(catalog, "test.order.placed", data) == by_load
