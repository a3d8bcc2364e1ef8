"""The order's life over HTTP: every move kept in the history and announced
by its event in the same transaction; illegal moves are 409 and change nothing."""
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from salesloop.messaging.tables import OUTBOX

from orders_client import OPS, contract_signed, event_data, phone_order, walk

REP = {"role": "rep", "user": "rep-1", "team": "east-1", "region": "east"}
FINANCE = {"role": "ops", "user": "fin-1"}


def new_order(orders) -> str:
    response = orders.post("/orders", json=phone_order(), **REP)
    assert response.status_code == 201, response.json
    return response.json["id"]


def event_types(orders) -> list[str]:
    return [event["type"] for event in orders.published()]


def test_an_order_lives_from_creation_to_settlement_with_every_step_announced(orders):
    order_id = new_order(orders)

    walk(orders, order_id, "accepted")
    settled = orders.post(f"/orders/{order_id}/settle", json={"paid_amount": "71.27", "currency": "CNY"}, **FINANCE)

    assert settled.status_code == 200, settled.json
    assert event_types(orders) == [
        "orders.order.created", "orders.order.confirmed", "orders.order.fulfilment_started",
        "orders.order.shipped", "orders.order.delivered", "orders.order.accepted", "orders.order.settled"]
    order = settled.json
    assert order["status"] == "settled" and order["allowed_transitions"] == [] and order["progress"] == "100.00"
    assert [(h["from_state"], h["to_state"], h["by"]) for h in order["history"]] == [
        (None, "created", "rep-1"), ("created", "confirmed", "ops-1"), ("confirmed", "in_fulfilment", "ops-1"),
        ("in_fulfilment", "shipped", "ops-1"), ("shipped", "delivered", "ops-1"), ("delivered", "accepted", "ops-1"),
        ("accepted", "settled", "fin-1")]
    assert order["history"][3]["details"] == {"carrier": "SF Express", "tracking_number": "SF1234567890"}
    assert order["settlement"]["paid_amount"] == "71.27" and order["settlement"]["balance"] == "0.00"
    assert orders.get(f"/orders/{order_id}/history", **REP).json == order["history"]

    [shipped] = event_data(orders, "orders.order.shipped")
    assert (shipped["carrier"], shipped["tracking_number"], shipped["status"]) == (
        "SF Express", "SF1234567890", "shipped")
    [delivered] = event_data(orders, "orders.order.delivered")
    assert delivered["delivered_at"] == order["shipment"]["delivered_at"]
    assert delivered["total_amount"] == "69.97" and delivered["rep_id"] == "rep-1"
    [paid] = event_data(orders, "orders.order.settled")
    assert paid["paid_amount"] == "71.27" and paid["paid_at"] == order["settlement"]["paid_at"]
    # the payment's day where the company books it (Asia/Shanghai by default)
    shanghai_day = datetime.fromisoformat(paid["paid_at"]).astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert paid["paid_date"] == shanghai_day.isoformat()


def test_illegal_moves_are_409_and_change_nothing(orders):
    order_id = new_order(orders)

    early_ship = orders.post(f"/orders/{order_id}/ship", json={"carrier": "SF", "tracking_number": "1"}, **OPS)
    assert early_ship.status_code == 409
    assert early_ship.json["detail"] == "order cannot go from created to shipped; allowed: confirmed, cancelled"
    assert orders.post(f"/orders/{order_id}/settle", json={"paid_amount": "1", "currency": "CNY"},
                       **FINANCE).status_code == 409

    walk(orders, order_id, "shipped")
    too_late = orders.post(f"/orders/{order_id}/cancel", json={"reason": "customer changed mind"}, **REP)
    assert too_late.status_code == 409
    assert too_late.json["detail"] == "order cannot go from shipped to cancelled; allowed: delivered"
    assert orders.get(f"/orders/{order_id}", **REP).json["status"] == "shipped"
    assert "orders.order.cancelled" not in event_types(orders)


def test_an_order_is_cancelled_before_it_ships_with_its_reason(orders):
    order_id = new_order(orders)
    orders.post(f"/orders/{order_id}/confirm", json={"note": "confirmed by phone"}, **REP)

    assert orders.post(f"/orders/{order_id}/cancel", json={}, **REP).status_code == 422
    cancelled = orders.post(f"/orders/{order_id}/cancel", json={"reason": "customer found it cheaper"}, **REP)

    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled" and cancelled.json["closing_reason"] == "customer found it cheaper"
    [event] = event_data(orders, "orders.order.cancelled")
    assert (event["reason"], event["previous_status"], event["status"]) == (
        "customer found it cheaper", "confirmed", "cancelled")
    assert orders.post(f"/orders/{order_id}/confirm", json={}, **REP).status_code == 409


def test_a_disputed_delivery_is_accepted_only_with_its_resolution(orders):
    order_id = new_order(orders)
    walk(orders, order_id, "delivered")

    disputed = orders.post(f"/orders/{order_id}/dispute", json={"reason": "two cups broken"}, **REP)
    assert disputed.status_code == 200 and disputed.json["closing_reason"] == "two cups broken"
    missing = orders.post(f"/orders/{order_id}/accept", json={}, **REP)
    assert missing.status_code == 422 and missing.json["errors"] == {"resolution": ["is required"]}

    accepted = orders.post(f"/orders/{order_id}/accept", json={"resolution": "replacement cups sent"}, **REP)

    assert accepted.status_code == 200
    [event] = event_data(orders, "orders.order.disputed")
    assert event["reason"] == "two cups broken"
    [event] = event_data(orders, "orders.order.accepted")
    assert event["resolution"] == "replacement cups sent"


def test_a_payment_other_than_the_amount_due_needs_a_note_and_the_order_currency(orders):
    order_id = new_order(orders)
    walk(orders, order_id, "accepted")

    short = orders.post(f"/orders/{order_id}/settle", json={"paid_amount": "70.00", "currency": "CNY"}, **FINANCE)
    assert short.status_code == 422
    assert short.json["errors"] == {
        "note": ["is required when the payment 70.00 differs from the amount due 71.27 CNY"]}
    foreign = orders.post(f"/orders/{order_id}/settle", json={"paid_amount": "10.00", "currency": "USD"}, **FINANCE)
    assert foreign.json["errors"] == {"currency": ["must be the order currency CNY; convert the payment first"]}
    assert orders.post(f"/orders/{order_id}/settle", json={"paid_amount": "71.27", "currency": "CNY"},
                       role="rep", user="rep-1").status_code == 403

    settled = orders.post(f"/orders/{order_id}/settle",
                          json={"paid_amount": "70.00", "currency": "CNY", "note": "bank fee written off"}, **FINANCE)

    assert settled.status_code == 200
    assert settled.json["settlement"]["balance"] == "1.27"
    [event] = event_data(orders, "orders.order.settled")
    assert event["paid_amount"] == "70.00" and event["note"] == "bank fee written off"


def test_a_contract_order_is_settled_at_its_gross_amount(orders):
    contract = contract_signed()
    orders.deliver("deals.contract.signed", contract)
    [created] = event_data(orders, "orders.order.created")
    walk(orders, created["order_id"], "accepted")

    settled = orders.post(f"/orders/{created['order_id']}/settle",
                          json={"paid_amount": "11229.99", "currency": "USD"}, **FINANCE)

    assert settled.status_code == 200 and settled.json["settlement"]["balance"] == "0.00"


def test_goods_ship_only_after_the_earlier_stages_are_done(orders):
    order_id = new_order(orders)
    walk(orders, order_id, "in_fulfilment")
    orders.post(f"/orders/{order_id}/plan/stages/purchasing/complete", **OPS)

    refused = orders.post(f"/orders/{order_id}/ship", json={"carrier": "SF", "tracking_number": "SF1"}, **OPS)

    assert refused.status_code == 409
    assert refused.json["detail"] == ("the order cannot ship before production, packing are done "
                                      "(see its execution plan)")
    for stage in ("production", "packing"):
        orders.post(f"/orders/{order_id}/plan/stages/{stage}/complete", **OPS)
    shipped = orders.post(f"/orders/{order_id}/ship", json={"carrier": "SF", "tracking_number": "SF1"}, **OPS)
    assert shipped.status_code == 200
    plan = orders.get(f"/orders/{order_id}/plan", **OPS).json
    assert [s["status"] for s in plan["stages"]] == ["done", "done", "done", "in_progress"]
    assert plan["progress"] == "75.00" and plan["current_stage"] == "shipping"
    orders.post(f"/orders/{order_id}/deliver", json={}, **OPS)
    assert orders.get(f"/orders/{order_id}/plan", **OPS).json["complete"] is True


def test_shipping_without_a_finished_plan_can_be_allowed_by_configuration(service_harness):
    from orders.app import create_app
    from orders.bootstrap import spec

    orders = service_harness(spec(), create_app, extra={"ORDERS_SHIP_REQUIRES_PLAN": "false"})
    order_id = new_order(orders)
    walk(orders, order_id, "in_fulfilment")

    shipped = orders.post(f"/orders/{order_id}/ship", json={"carrier": "SF", "tracking_number": "SF1"}, **OPS)

    assert shipped.status_code == 200 and shipped.json["progress"] == "0.00"


def test_starting_a_stage_puts_a_confirmed_order_in_fulfilment(orders):
    order_id = new_order(orders)

    not_confirmed = orders.post(f"/orders/{order_id}/plan/stages/purchasing/start", **OPS)
    assert not_confirmed.status_code == 409
    assert not_confirmed.json["detail"] == ("work on the order cannot start before it is confirmed "
                                            "with the customer")

    orders.post(f"/orders/{order_id}/confirm", json={}, **REP)
    started = orders.post(f"/orders/{order_id}/plan/stages/purchasing/start", role="ops", user="buyer-2")

    assert started.status_code == 200
    purchasing = started.json["stages"][0]
    assert (purchasing["status"], purchasing["owner"], purchasing["started_by"]) == (
        "in_progress", "buyer-2", "buyer-2")
    assert orders.get(f"/orders/{order_id}", **REP).json["status"] == "in_fulfilment"
    [event] = event_data(orders, "orders.order.fulfilment_started")
    assert event["actor"] == "buyer-2" and event["status"] == "in_fulfilment"


def test_stages_complete_in_order_and_a_blocked_stage_waits_for_unblock(orders):
    order_id = new_order(orders)
    walk(orders, order_id, "in_fulfilment")

    early = orders.post(f"/orders/{order_id}/plan/stages/production/complete", **OPS)
    assert early.status_code == 422 and early.json["detail"] == "production cannot be done before purchasing is done"
    assert orders.post(f"/orders/{order_id}/plan/stages/purchasing/block", json={}, **OPS).status_code == 422
    blocked = orders.post(f"/orders/{order_id}/plan/stages/purchasing/block",
                          json={"reason": "supplier out of stock"}, **OPS)
    assert blocked.json["stages"][0]["blocked_reason"] == "supplier out of stock"
    stuck = orders.post(f"/orders/{order_id}/plan/stages/purchasing/complete", **OPS)
    assert stuck.status_code == 409
    assert stuck.json["detail"] == "stage purchasing is blocked (supplier out of stock); unblock it first"

    orders.post(f"/orders/{order_id}/plan/stages/purchasing/unblock", **OPS)
    done = orders.post(f"/orders/{order_id}/plan/stages/purchasing/complete", **OPS)

    assert done.status_code == 200 and done.json["progress"] == "25.00"
    assert orders.post(f"/orders/{order_id}/plan/stages/welding/start", **OPS).status_code == 422
    assert orders.post(f"/orders/{order_id}/plan/stages/packing/start", **REP).status_code == 403


def test_an_overdue_stage_is_flagged_and_reported_once_per_due_date(orders):
    order_id = new_order(orders)
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    edited = orders.patch(f"/orders/{order_id}/plan/stages/purchasing",
                          json={"owner": "buyer-2", "due_date": yesterday}, **OPS)
    assert edited.status_code == 200

    plan = orders.get(f"/orders/{order_id}/plan", **OPS).json
    assert plan["overdue_stages"] == ["purchasing"] and plan["stages"][0]["owner"] == "buyer-2"
    listed = orders.get("/overdue-stages?owner=buyer-2", **OPS).json
    assert [(s["order_id"], s["stage"]) for s in listed] == [(order_id, "purchasing")]
    assert listed[0]["days_overdue"] >= 1

    orders.run_sweeps()
    orders.run_sweeps()
    [reported] = event_data(orders, "orders.stage.overdue")
    assert (reported["stage"], reported["owner"], reported["due_date"]) == ("purchasing", "buyer-2", yesterday)
    assert reported["rep_id"] == "rep-1"

    two_days_ago = (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()
    orders.patch(f"/orders/{order_id}/plan/stages/purchasing", json={"due_date": two_days_ago}, **OPS)
    orders.run_sweeps()
    assert len(event_data(orders, "orders.stage.overdue")) == 2
    assert orders.patch(f"/orders/{order_id}/plan/stages/purchasing", json={}, **OPS).status_code == 422


def test_delivery_publishes_its_event_with_the_trace_of_the_delivery_request(orders):
    order_id = new_order(orders)
    walk(orders, order_id, "shipped")
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"

    delivered = orders.post(f"/orders/{order_id}/deliver", json={},
                            headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}, **OPS)

    assert delivered.status_code == 200
    outbox = orders.spec.metadata.tables[OUTBOX]
    with orders.runtime.database.session() as session:
        headers = session.execute(select(outbox.c.trace_headers)
                                  .where(outbox.c.event_type == "orders.order.delivered")).scalar_one()
    assert json.loads(headers)["traceparent"].split("-")[1] == trace_id


def test_a_delivery_cannot_be_recorded_in_the_future(orders):
    order_id = new_order(orders)
    walk(orders, order_id, "shipped")
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()

    response = orders.post(f"/orders/{order_id}/deliver", json={"delivered_at": tomorrow}, **OPS)

    assert response.status_code == 422 and response.json["errors"] == {"delivered_at": ["must not be in the future"]}


def test_bad_input_on_the_lifecycle_endpoints_is_422_and_moves_nothing(orders):
    order_id = new_order(orders)
    walk(orders, order_id, "in_fulfilment")
    for stage in ("purchasing", "production", "packing"):
        orders.post(f"/orders/{order_id}/plan/stages/{stage}/complete", **OPS)
    before = len(orders.published())

    ship = orders.post(f"/orders/{order_id}/ship", json={"carrier": "", "colour": "red"}, **OPS)
    settle = orders.post(f"/orders/{order_id}/settle", json={"paid_amount": "12.3456789", "currency": "CNY"},
                         **FINANCE)

    assert ship.status_code == 422 and ship.json["errors"] == {
        "carrier": ["Length must be between 1 and 100."], "colour": ["Unknown field."],
        "tracking_number": ["Missing data for required field."]}
    assert settle.status_code == 422
    assert settle.json["errors"] == {"paid_amount": ["must have at most 6 decimal places"]}
    assert orders.get(f"/orders/{order_id}", **OPS).json["status"] == "in_fulfilment"
    assert len(orders.published()) == before


def test_the_openapi_document_describes_every_resource(orders):
    document = orders.get("/openapi.json", role=None).json

    assert {"/orders", "/orders/{order_id}/deliver", "/orders/{order_id}/changes/{change_id}/approve",
            "/orders/{order_id}/plan", "/overdue-stages", "/fx-rates"} <= set(document["paths"])
    assert document["components"]["schemas"]["PhoneOrderIn"]["additionalProperties"] is False
