"""Orders from deals.contract.signed and storefront.order.placed: exactly one
per business key, exact amounts, and untrusted input refused with its reason."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from salesloop.messaging.processor import Outcome, PermanentFailure

from orders.models import OrderRecord
from orders_client import TODAY, contract_signed, event_data, storefront_order


def order_count(harness) -> int:
    with harness.runtime.database.session() as session:
        return session.scalar(select(func.count()).select_from(OrderRecord))


def test_a_signed_contract_creates_an_order_with_the_contracts_amounts(orders):
    contract = contract_signed()

    assert orders.deliver("deals.contract.signed", contract) is Outcome.HANDLED

    [created] = event_data(orders, "orders.order.created")
    assert created["origin"] == "contract" and created["status"] == "created"
    assert created["contract_id"] == contract["contract_id"] and created["deal_id"] == contract["deal_id"]
    assert (created["rep_id"], created["team"], created["region"]) == ("rep-7", "east-1", "east")
    assert created["customer_contact"] == contract["customer_contact"]
    # Revenue is net of tax: 10 × 1000 less 10 % = 9000.00 plus 3 × 333.33 = 999.99.
    assert created["total_amount"] == "9999.99"
    assert created["tax_amount"] == "1230.00" and created["gross_amount"] == "11229.99"
    assert created["currency"] == "USD" and created["fx_rate"] == "7.1"
    assert created["total_amount_company"] == "70999.93"  # 9999.99 × 7.1
    assert created["total_cost"] is None  # the set-up days have no known cost
    assert [(i["product_code"], i["amount"], i["unit_cost"]) for i in created["items"]] == [
        ("ERP-LIC", "9000.00", "400"), ("ERP-SETUP", "999.99", None)]
    assert created["actor"] == "system:deals" and created["payment_terms"] == "30% advance, 70% net 30"

    found = orders.get(f"/orders?contract_id={contract['contract_id']}", role="rep", user="rep-7",
                       team="east-1", region="east").json["items"]
    assert [o["id"] for o in found] == [created["order_id"]]


def test_the_same_contract_event_twice_makes_one_order(orders):
    envelope = orders.envelope("deals.contract.signed", contract_signed())

    assert orders.deliver_envelope(envelope) is Outcome.HANDLED
    assert orders.deliver_envelope(envelope) is Outcome.DUPLICATE
    assert order_count(orders) == 1
    assert len(orders.published("orders.order.created")) == 1


def test_a_contract_republished_under_a_new_event_id_still_makes_one_order(orders):
    contract = contract_signed()

    orders.deliver("deals.contract.signed", contract)
    assert orders.deliver("deals.contract.signed", contract) is Outcome.HANDLED  # a new id: the inbox can't tell

    assert order_count(orders) == 1  # the contract id can
    assert len(orders.published("orders.order.created")) == 1


def test_a_contract_whose_line_nets_do_not_add_up_is_parked(orders):
    contract = contract_signed()
    contract["items"][0]["line_net"] = "9100.00"

    with pytest.raises(PermanentFailure) as parked:
        orders.deliver("deals.contract.signed", contract)

    assert "items.0.line_net" in str(parked.value)
    assert "quantity × unit price less the discount is 9000.00 USD" in str(parked.value)
    assert order_count(orders) == 0 and orders.published() == []


def test_a_contract_missing_its_items_is_parked_with_the_field_named(orders):
    contract = contract_signed()
    del contract["items"]

    with pytest.raises(PermanentFailure) as parked:
        orders.deliver("deals.contract.signed", contract)

    assert str(parked.value) == ("invalid deals.contract.signed data: "
                                 "{'items': ['Missing data for required field.']}")


def test_a_contract_delivering_before_it_was_signed_is_parked(orders):
    contract = contract_signed(delivery_date=(TODAY - timedelta(days=3)).isoformat())

    with pytest.raises(PermanentFailure) as parked:
        orders.deliver("deals.contract.signed", contract)

    assert "'delivery_date': ['must not be before the day the order was placed']" in str(parked.value)


def test_a_malformed_contact_phone_does_not_block_the_order(orders):
    contract = contract_signed(customer_contact={"name": "王丽", "phone": "ext. 3021", "email": None})

    assert orders.deliver("deals.contract.signed", contract) is Outcome.HANDLED

    [created] = event_data(orders, "orders.order.created")
    assert created["customer_contact"] == {"name": "王丽", "phone": "ext. 3021", "email": None}


def test_a_storefront_order_creates_an_order_owned_as_configured(service_harness):
    from orders.app import create_app
    from orders.bootstrap import spec

    orders = service_harness(spec(), create_app, extra={"ORDERS_STOREFRONT_TEAM": "online",
                                                         "ORDERS_STOREFRONT_REGION": "east"})
    placed = storefront_order()

    assert orders.deliver("storefront.order.placed", placed, source="/storefront") is Outcome.HANDLED

    [created] = event_data(orders, "orders.order.created")
    assert created["origin"] == "storefront" and created["storefront_order_id"] == placed["storefront_order_id"]
    assert (created["rep_id"], created["team"], created["region"]) == (None, "online", "east")
    assert created["total_amount"] == "222.60"  # 2 × 88.80 + 45.00
    assert created["total_cost"] is None and created["tax_amount"] == "0.00"
    assert created["payment_terms"] == "prepaid" and created["delivery_date"] == placed["requested_delivery_date"]
    assert [i["product_code"] for i in created["items"]] == ["TEA-01", "CUP-06"]
    assert created["customer_contact"] == {"name": "陈晨", "phone": "+86 138 0013 8000", "email": "chen@example.com"}


def test_the_same_storefront_order_twice_makes_one_order(orders):
    placed = storefront_order()

    orders.deliver("storefront.order.placed", placed)
    orders.deliver("storefront.order.placed", placed)

    assert order_count(orders) == 1
    found = orders.get(f"/orders?storefront_order_id={placed['storefront_order_id']}").json["items"]
    assert len(found) == 1 and found[0]["origin"] == "storefront"


def test_an_invalid_storefront_order_is_parked_with_every_problem_in_storefront_names(orders):
    placed = storefront_order(items=[{"sku": "TEA-01", "name": "Longjing", "qty": "0", "unit_price": 88.8}],
                              currency="cny")
    del placed["shipping_address"]

    with pytest.raises(PermanentFailure) as parked:
        orders.deliver("storefront.order.placed", placed)

    reason = str(parked.value)
    assert reason.startswith("invalid storefront.order.placed data: ")
    assert "'items.0.unit_price': ['must be a decimal number" in reason  # a float is refused
    assert "'items.0.qty': ['must be greater than 0']" in reason
    assert "'currency': ['must be upper-case (e.g. USD)']" in reason
    assert "'shipping_address': ['is required']" in reason
    assert order_count(orders) == 0 and orders.published() == []


def test_a_storefront_order_in_a_currency_without_a_rate_is_parked_until_one_is_added(orders):
    placed = storefront_order(currency="USD")

    with pytest.raises(PermanentFailure) as parked:
        orders.deliver("storefront.order.placed", placed)
    assert "no exchange rate for USD" in str(parked.value)

    added = orders.post("/fx-rates", json={"currency": "USD", "rate": "7.2",
                                           "valid_from": (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()},
                        role="ops")
    assert added.status_code == 201, added.json
    assert orders.deliver("storefront.order.placed", placed) is Outcome.HANDLED
    [created] = event_data(orders, "orders.order.created")
    assert created["fx_rate"] == "7.2" and created["total_amount_company"] == "1602.72"  # 222.60 × 7.2


def test_a_batch_makes_one_order_per_storefront_order_whatever_it_repeats(service_harness):
    """The batch reads which storefront orders already have an order in one query: one
    placed before, one sent twice under two ids in the batch, one new — two new orders."""
    from orders.app import create_app
    from orders.bootstrap import spec

    orders = service_harness(spec(), create_app)
    earlier, twice, new = storefront_order(), storefront_order(), storefront_order()
    assert orders.deliver("storefront.order.placed", earlier, source="/storefront") is Outcome.HANDLED
    processor = orders.runtime.processor()
    batch = [processor.read(orders.envelope("storefront.order.placed", data, source="/storefront").to_json())
             for data in (earlier, twice, twice, new)]

    assert processor.handle_batch(batch) == [Outcome.HANDLED] * 4  # four event ids, each taken in once

    with orders.runtime.database.session() as session:
        made = session.execute(select(OrderRecord.storefront_order_id, func.count())
                               .group_by(OrderRecord.storefront_order_id)).all()
    assert dict(made) == {earlier["storefront_order_id"]: 1, twice["storefront_order_id"]: 1,
                          new["storefront_order_id"]: 1}
    assert len(event_data(orders, "orders.order.created")) == 3


def test_a_batchs_new_orders_are_stored_whole_and_read_back_as_published(service_harness):
    """A batch writes its new orders' rows table by table: each order reads back with its
    version and lines, its history and its plan, as its orders.order.created told."""
    from orders.app import create_app
    from orders.bootstrap import spec

    orders = service_harness(spec(), create_app)
    placed = [storefront_order(), storefront_order()]
    processor = orders.runtime.processor()
    batch = [processor.read(orders.envelope("storefront.order.placed", data, source="/storefront").to_json())
             for data in placed]

    assert processor.handle_batch(batch) == [Outcome.HANDLED] * 2

    for created in event_data(orders, "orders.order.created"):
        detail = orders.get(f"/orders/{created['order_id']}", role="ops").json
        assert detail["items"] == created["items"] and detail["version"] == 1
        [version] = orders.get(f"/orders/{created['order_id']}/versions", role="ops").json
        assert version["items"] == created["items"]
        assert [entry["to_state"] for entry in detail["history"]] == ["created"]
        plan = orders.get(f"/orders/{created['order_id']}/plan", role="ops").json
        assert [stage["status"] for stage in plan["stages"]] == ["pending"] * len(plan["stages"]) != []
