"""Change requests: assessed on request, decided by a manager, applied as the
order's next version while the previous versions stay as they were."""
from datetime import timedelta

import pytest

from orders_client import IN_A_MONTH, TODAY, event_data, phone_order, walk

REP = {"role": "rep", "user": "rep-1", "team": "east-1", "region": "east"}
MANAGER = {"role": "manager", "user": "mgr-1", "team": None, "region": "east"}
LATER = (TODAY + timedelta(days=45)).isoformat()


@pytest.fixture
def order_id(orders):
    return orders.post("/orders", json=phone_order(), **REP).json["id"]


def ask(orders, order_id, who=REP, **change):
    return orders.post(f"/orders/{order_id}/changes", json={"reason": "customer asks", **change}, **who)


def test_an_approved_change_becomes_version_2_and_version_1_is_kept(orders, order_id):
    asked = ask(orders, order_id, quantity_changes=[{"product_code": "TEA-01", "quantity": "5"}],
                new_delivery_date=LATER)
    assert asked.status_code == 201, asked.json
    change = asked.json
    assert change["status"] == "requested" and change["base_version"] == 1
    # two more tea presses: 2 × 19.99 more, cost 2 × 12.50 more
    assert change["impact"]["delta_amount"] == "39.98" and change["impact"]["delta_cost"] == "25.00"
    assert change["impact"]["new_total"] == "109.95" and change["impact"]["new_gross_profit"] == "40.78"
    assert change["impact"]["new_delivery_date"] == LATER and change["impact"]["requested_date_feasible"] is True
    assert orders.get(f"/orders/{order_id}", **REP).json["version"] == 1  # nothing changes before approval

    approved = orders.post(f"/orders/{order_id}/changes/{change['id']}/approve", json={"note": "ok"}, **MANAGER)

    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "applied" and approved.json["applied_version"] == 2
    assert approved.json["decided_by"] == "mgr-1" and approved.json["decision_note"] == "ok"
    order = orders.get(f"/orders/{order_id}", **REP).json
    assert order["version"] == 2 and order["delivery_date"] == LATER
    assert order["amounts"]["total_amount"] == "109.95" and order["amounts"]["gross_amount"] == "111.25"
    assert [i["quantity"] for i in order["items"]] == ["5", "2"]
    versions = orders.get(f"/orders/{order_id}/versions", **REP).json
    assert [(v["number"], v["total_amount"], v["delivery_date"], v["change_id"]) for v in versions] == [
        (1, "69.97", IN_A_MONTH, None), (2, "109.95", LATER, change["id"])]
    assert orders.get(f"/orders/{order_id}/versions/1", **REP).json["items"][0]["quantity"] == "3"
    assert orders.get(f"/orders/{order_id}/versions/3", **REP).status_code == 404

    [changed] = event_data(orders, "orders.order.changed")
    assert (changed["version"], changed["previous_version"], changed["change_id"]) == (2, 1, change["id"])
    assert changed["delta_amount"] == "39.98" and changed["delta_cost"] == "25.00"
    assert changed["total_amount"] == "109.95" and changed["total_cost"] == "69.17"
    assert changed["previous_delivery_date"] == IN_A_MONTH and changed["delivery_date"] == LATER
    plan = orders.get(f"/orders/{order_id}/plan", **REP).json
    assert plan["stages"][-1]["due_date"] == LATER  # the plan follows the new promise


def test_items_can_be_added_and_removed(orders, order_id):
    change = ask(orders, order_id, removed_items=["CUP-06"], added_items=[
        {"product_code": "POT-01", "description": "Clay teapot", "quantity": "1", "unit_price": "120.00",
         "unit_cost": "70.00", "tax_rate_pct": "13"}]).json
    orders.post(f"/orders/{order_id}/changes/{change['id']}/approve", json={}, **MANAGER)

    order = orders.get(f"/orders/{order_id}", **REP).json
    assert [i["product_code"] for i in order["items"]] == ["TEA-01", "POT-01"]
    assert order["amounts"]["total_amount"] == "179.97"  # 59.97 + 120.00
    assert order["amounts"]["tax_amount"] == "15.60"  # 13 % of 120.00
    assert change["impact"]["delta_amount"] == "110.00"  # + 120.00 − 10.00


def test_only_a_manager_other_than_the_requester_decides(orders, order_id):
    own = ask(orders, order_id, who=MANAGER, new_delivery_date=LATER).json
    assert orders.post(f"/orders/{order_id}/changes/{own['id']}/approve", json={}, **MANAGER).status_code == 403
    theirs = ask(orders, order_id, new_delivery_date=LATER).json
    assert orders.post(f"/orders/{order_id}/changes/{theirs['id']}/approve", json={}, **REP).status_code == 403

    refused = orders.post(f"/orders/{order_id}/changes/{own['id']}/approve", json={},
                          role="manager", user="mgr-1").json
    assert refused["detail"] == "the requester cannot decide on their own change request"


def test_a_rejected_change_leaves_the_order_alone(orders, order_id):
    change = ask(orders, order_id, new_delivery_date=LATER).json

    rejected = orders.post(f"/orders/{order_id}/changes/{change['id']}/reject",
                           json={"reason": "the line is booked that week"}, **MANAGER)

    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert rejected.json["decision_note"] == "the line is booked that week"
    assert orders.get(f"/orders/{order_id}", **REP).json["version"] == 1
    assert event_data(orders, "orders.order.changed") == []
    again = orders.post(f"/orders/{order_id}/changes/{change['id']}/approve", json={}, **MANAGER)
    assert again.status_code == 409
    assert [c["status"] for c in orders.get(f"/orders/{order_id}/changes", **REP).json] == ["rejected"]


def test_a_change_asked_on_an_older_version_must_be_asked_again(orders, order_id):
    first = ask(orders, order_id, new_delivery_date=LATER).json
    second = ask(orders, order_id, quantity_changes=[{"product_code": "CUP-06", "quantity": "4"}]).json
    orders.post(f"/orders/{order_id}/changes/{first['id']}/approve", json={}, **MANAGER)

    stale = orders.post(f"/orders/{order_id}/changes/{second['id']}/approve", json={}, **MANAGER)

    assert stale.status_code == 422
    assert stale.json["detail"] == (f"change request {second['id']} was made on version 1 but the order "
                                    "is now at version 2; request it again")


def test_a_shipped_order_takes_no_more_changes(orders, order_id):
    walk(orders, order_id, "shipped")

    response = ask(orders, order_id, new_delivery_date=LATER)

    assert response.status_code == 409
    assert "changes are accepted only before the order ships" in response.json["detail"]


def test_a_change_that_asks_for_nothing_or_names_unknown_items_is_422(orders, order_id):
    empty = ask(orders, order_id)
    assert empty.status_code == 422
    assert empty.json["errors"] == {"change": [
        "asks for nothing: change a quantity, add or remove an item, or move the delivery date"]}
    unknown = ask(orders, order_id, removed_items=["NOPE"], colour="red")
    assert unknown.status_code == 422 and unknown.json["errors"] == {"colour": ["Unknown field."]}
    unknown = ask(orders, order_id, removed_items=["NOPE"])
    assert unknown.json["errors"] == {"removed_items.0": ["NOPE is not on the order"]}
    assert orders.get(f"/orders/{order_id}/changes", **REP).json == []


def test_more_goods_push_the_delivery_to_the_earliest_feasible_day(service_harness):
    from orders.app import create_app
    from orders.bootstrap import spec

    orders = service_harness(spec(), create_app, extra={
        "ORDERS_WEEKEND": "none", "ORDERS_LEAD_TIMES": "purchasing=2,production=3,packing=1,shipping=1"})
    order_id = orders.post("/orders", json=phone_order(delivery_date=(TODAY + timedelta(days=5)).isoformat()),
                           **REP).json["id"]

    change = ask(orders, order_id, quantity_changes=[{"product_code": "TEA-01", "quantity": "4"}]).json

    impact = change["impact"]
    # every stage again: 2 + 3 + 1 + 1 = 7 days from today, two days after the promise
    assert impact["earliest_feasible_date"] == (TODAY + timedelta(days=7)).isoformat()
    assert impact["new_delivery_date"] == impact["earliest_feasible_date"]
    assert impact["days_late"] == 2 and impact["requested_date_feasible"] is False
    orders.post(f"/orders/{order_id}/changes/{change['id']}/approve", json={}, **MANAGER)
    stages = orders.get(f"/orders/{order_id}/plan", **REP).json["stages"]
    assert [(s["name"], s["due_date"]) for s in stages] == [
        (name, (TODAY + timedelta(days=days)).isoformat())
        for name, days in (("purchasing", 2), ("production", 5), ("packing", 6), ("shipping", 7))]
