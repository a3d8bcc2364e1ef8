from copy import deepcopy
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.domain.errors import InvalidInput
from orders.domain.items import Amounts, OrderItem
from orders.domain.order import Customer, OrderSource, PaymentTerms, ShippingAddress
from orders.domain.storefront import StorefrontSettings, map_storefront_order, storefront_order_errors
from orders.domain.workdays import WorkCalendar, office_calendar

FLOAT_MESSAGE = 'must be a decimal number (a string such as "19.90", never a binary float)'

PAYLOAD = {
    "storefront_order_id": "SF-10001",
    "customer": {"id": "shop-cust-5", "name": "Wang Fang", "phone": "+86 138 0013 8000", "email": "wf@example.cn"},
    "items": [
        {"sku": "TEA-01", "name": "Longjing 250 g", "qty": 2, "unit_price": "88.80"},
        {"sku": "CUP-06", "name": "Cups (6)", "qty": "1", "unit_price": "45.00"},
    ],
    "currency": "CNY",
    "placed_at": "2024-05-06T10:15:00+08:00",
    "shipping_address": {"line1": "12 Nanjing Rd", "city": "Shanghai", "country": "CN", "postal_code": "200001"},
    "requested_delivery_date": "2024-05-10",
    "payment_terms": "prepaid",
    "coupon": "SPRING",  # unknown to us: ignored
}


def payload(**changes):
    data = deepcopy(PAYLOAD)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def map_cny(data, **kwargs):
    return map_storefront_order(data, company_currency="CNY", **kwargs)


def errors_of(data, **kwargs):
    with pytest.raises(InvalidInput) as refused:
        map_storefront_order(data, company_currency="CNY", **kwargs)
    return refused.value.errors


def test_a_storefront_order_maps_to_a_draft():
    draft = map_cny(payload())

    assert draft.source is OrderSource.STOREFRONT
    assert draft.source_ref == "SF-10001"
    assert draft.customer == Customer("shop-cust-5", "Wang Fang", "+86 138 0013 8000", "wf@example.cn")
    assert draft.items == (
        OrderItem("TEA-01", "Longjing 250 g", Decimal("2"), Decimal("88.80"), None),
        OrderItem("CUP-06", "Cups (6)", Decimal("1"), Decimal("45.00"), None),
    )
    assert (draft.currency, draft.fx_rate) == ("CNY", Decimal("1"))
    assert draft.placed_at == datetime(2024, 5, 6, 2, 15, tzinfo=UTC)
    assert draft.delivery_date == date(2024, 5, 10)
    assert draft.payment_terms == PaymentTerms("prepaid")
    assert draft.shipping_address == ShippingAddress("12 Nanjing Rd", "Shanghai", "CN", postal_code="200001")
    assert draft.sales_rep is None


def test_storefront_amounts_have_unknown_cost():
    from orders.domain.items import compute_amounts

    draft = map_cny(payload())

    assert compute_amounts(draft.items, draft.currency) == Amounts(
        "CNY", Decimal("222.60"), None, None, ("TEA-01", "CUP-06")
    )


def test_a_foreign_currency_order_takes_the_supplied_rate():
    draft = map_cny(payload(currency="USD"), fx_rate=Decimal("7.2301"))

    assert (draft.currency, draft.fx_rate) == ("USD", Decimal("7.2301"))


def test_a_foreign_currency_order_without_rate_is_refused():
    assert errors_of(payload(currency="USD")) == {"fx_rate": ["no exchange rate from USD to CNY was supplied"]}


def test_without_a_requested_date_the_standard_promise_applies():
    settings = StorefrontSettings(default_delivery_days=3, calendar=office_calendar("Asia/Shanghai"))

    # Placed Monday 6 May local; 3 working days later is Thursday 9 May.
    assert map_cny(payload(requested_delivery_date=None), settings=settings).delivery_date == date(2024, 5, 9)
    assert map_cny(payload(requested_delivery_date=None)).delivery_date == date(2024, 5, 13)  # 7 calendar days


def test_without_payment_terms_the_default_applies():
    assert map_cny(payload(payment_terms=None)).payment_terms == PaymentTerms("prepaid")
    settings = StorefrontSettings(default_payment_terms="cash_on_delivery")
    assert map_cny(payload(payment_terms=None), settings=settings).payment_terms == PaymentTerms("cash_on_delivery")


def test_the_same_sku_at_the_same_price_is_one_line():
    items = [
        {"sku": "TEA-01", "name": "Longjing 250 g", "qty": 2, "unit_price": "88.80"},
        {"sku": "CUP-06", "name": "Cups (6)", "qty": 1, "unit_price": "45.00"},
        {"sku": "TEA-01", "name": "Longjing 250 g", "qty": "1.5", "unit_price": "88.80"},
    ]

    draft = map_cny(payload(items=items))

    assert [(i.product_code, i.quantity) for i in draft.items] == [("TEA-01", Decimal("3.5")), ("CUP-06", Decimal("1"))]


def test_the_same_sku_at_two_prices_is_refused():
    items = [
        {"sku": "TEA-01", "name": "Longjing", "qty": 2, "unit_price": "88.80"},
        {"sku": "TEA-01", "name": "Longjing", "qty": 1, "unit_price": "79.00"},
    ]

    assert errors_of(payload(items=items)) == {"items.1.sku": ["TEA-01 appears twice with different unit prices"]}


def test_item_errors_use_storefront_names_and_payload_positions():
    items = [
        {"sku": "TEA-01", "name": "Longjing", "qty": 1, "unit_price": "88.80"},
        {"sku": "TEA-01", "name": "Longjing", "qty": 1, "unit_price": "88.80"},  # merged into line 0
        {"sku": "", "name": "", "qty": "0", "unit_price": "-1"},
        {"sku": "CUP-06", "name": "Cups", "qty": 1.0, "unit_price": "ten"},
        "not an object",
    ]

    assert errors_of(payload(items=items)) == {
        "items.3.qty": [FLOAT_MESSAGE],
        "items.3.unit_price": [FLOAT_MESSAGE],
        "items.4": ["must be an object"],
        "items.2.sku": ["must not be blank"],
        "items.2.name": ["must not be blank"],
        "items.2.qty": ["must be greater than 0"],
        "items.2.unit_price": ["must be 0 or more"],
    }


def test_missing_required_fields_are_all_reported():
    data = {"unrelated": True}

    assert errors_of(data) == {
        "placed_at": ["is required"],
        "customer": ["is required"],
        "items": ["is required"],
        "shipping_address": ["is required"],
        "storefront_order_id": ["is required"],
        "currency": ["is required"],
    }


def test_wrong_shapes_are_reported():
    data = payload(customer="Wang Fang", items={"sku": "x"}, shipping_address="12 Nanjing Rd", payment_terms="later")

    assert errors_of(data) == {
        "customer": ["must be an object"],
        "items": ["must be a list"],
        "payment_terms": ["must be prepaid, cash_on_delivery or net_<days> (1 to 180 days)"],
        "shipping_address": ["must be an object"],
    }


def test_dates_and_times_must_be_iso_and_aware():
    assert errors_of(payload(placed_at="2024-05-06T10:15:00")) == {
        "placed_at": ["must be a date-time with a timezone offset"]
    }
    assert errors_of(payload(placed_at="yesterday")) == {
        "placed_at": ["must be an ISO 8601 date-time with a timezone offset"]
    }
    assert errors_of(payload(requested_delivery_date="10/05/2024")) == {
        "requested_delivery_date": ["must be a date (YYYY-MM-DD)"]
    }


def test_a_requested_date_before_the_order_was_placed_is_refused():
    settings = StorefrontSettings(calendar=WorkCalendar(zone="Asia/Shanghai"))

    assert errors_of(payload(requested_delivery_date="2024-05-05"), settings=settings) == {
        "requested_delivery_date": ["must not be before the day the order was placed"]
    }


def test_customer_and_address_fields_are_checked():
    data = payload(
        customer={"id": "c1", "name": " ", "email": "wf-at-example"},
        shipping_address={"line1": "12 Nanjing Rd", "city": "Shanghai", "country": "cn"},
        currency="RMB",
    )

    assert errors_of(data) == {
        "customer.name": ["must not be blank"],
        "customer.email": ["must be an e-mail address"],
        "currency": ["RMB is not an ISO 4217 currency"],
        "shipping_address.country": ["must be a 2-letter ISO 3166 country code in upper case (e.g. CN)"],
    }


def test_not_an_object_at_all():
    assert errors_of(["SF-1"]) == {"": ["must be a JSON object"]}


def test_errors_helper_returns_the_same_messages():
    assert storefront_order_errors(payload(), company_currency="CNY") == {}
    assert storefront_order_errors(payload(currency="USD"), company_currency="CNY") == {
        "fx_rate": ["no exchange rate from USD to CNY was supplied"]
    }
