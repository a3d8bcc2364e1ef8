"""One convention for decimals across the product: strings in, strings out, and documented so."""
from decimal import Decimal

import pytest
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, ValidationError

from salesloop.web.fields import DECIMAL_HELP, DECIMAL_PATTERN, Amount, Number
from salesloop.web.openapi import decimal_as_string


class Price(Schema):
    amount = Amount(required=True)
    ratio = Number()


def test_a_decimal_is_read_from_a_string_of_digits():
    assert Price().load({"amount": " 12.50 "})["amount"] == Decimal("12.50")
    assert Price().dump({"amount": Decimal("12.5000"), "ratio": Decimal("0.2500")}) == {
        "amount": "12.5000", "ratio": "0.25"}


@pytest.mark.parametrize("sent", [12.5, 12, True, "1e3", "NaN", "Infinity", "", "12,50"])
def test_a_json_number_or_anything_but_digits_is_refused_with_the_convention_named(sent):
    with pytest.raises(ValidationError) as refused:
        Price().load({"amount": sent})
    assert refused.value.messages == {"amount": [DECIMAL_HELP]}


def test_the_document_says_string_with_a_pattern_and_keeps_the_bounds_as_extensions():
    plugin = MarshmallowPlugin()
    spec = APISpec("t", "1", "3.0.3", plugins=[plugin])
    plugin.converter.add_attribute_function(decimal_as_string)
    spec.components.schema("Price", schema=Price)
    amount = spec.to_dict()["components"]["schemas"]["Price"]["properties"]["amount"]
    assert amount == {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN,
                      "x-minimum": "0", "x-maximum": "1000000000000"}
