"""POST /orders (phone orders), GET /orders and GET /orders/<id>: amounts,
validation with nothing half-written, idempotency, visibility and masking."""
from datetime import timedelta

from sqlalchemy import func, select

from orders_client import TODAY, contract_signed, event_data, phone_order

REP = {"role": "rep", "user": "rep-1", "team": "east-1", "region": "east"}


def rows(harness, table: str) -> int:
    with harness.runtime.database.session() as session:
        return session.scalar(select(func.count()).select_from(harness.spec.metadata.tables[table]))


def test_a_phone_order_is_created_with_its_amounts_plan_and_event(orders):
    response = orders.post("/orders", json=phone_order(), **REP)

    assert response.status_code == 201, response.json
    order = response.json
    assert response.headers["Location"].endswith(f"/orders/{order['id']}")
    assert order["origin"] == "phone" and order["status"] == "created" and order["version"] == 1
    assert (order["rep_id"], order["team"], order["region"]) == ("rep-1", "east-1", "east")
    # 3 × 19.99 = 59.97; 2 × 5.00 = 10.00 with 13 % tax = 1.30
    assert order["amounts"] == {"currency": "CNY", "total_amount": "69.97", "tax_amount": "1.30",
                                "gross_amount": "71.27", "total_cost": "44.17", "gross_profit": "25.80",
                                "margin_percent": "36.87", "cost_note": None}
    assert order["fx_rate"] == "1" and order["total_amount_company"] == "69.97"
    assert order["payment_terms"] == "net_30" and order["delivery_address"] == "中山西路 1 号, 315000, 宁波, CN"
    assert order["allowed_transitions"] == ["confirmed", "cancelled"]
    assert order["history"][0]["to_state"] == "created" and order["history"][0]["by"] == "rep-1"
    assert order["order_number"].startswith("SO-")

    [created] = event_data(orders, "orders.order.created")
    assert created["order_id"] == order["id"] and created["order_number"] == order["order_number"]
    assert created["total_amount"] == "69.97" and created["total_cost"] == "44.17"
    assert created["gross_amount"] == "71.27" and created["actor"] == "rep-1"
    assert created["customer_contact"] == {"name": "赵敏", "phone": "+86 574 8765 4321",
                                           "email": "buyer@haishu.example"}

    plan = orders.get(f"/orders/{order['id']}/plan", **REP).json
    assert [s["name"] for s in plan["stages"]] == ["purchasing", "production", "packing", "shipping"]
    assert plan["stages"][-1]["due_date"] == order["delivery_date"] and plan["progress"] == "0.00"


def test_a_repeated_idempotency_key_returns_the_first_order(orders):
    headers = {"Idempotency-Key": "call-2025-05-12-0007"}

    first = orders.post("/orders", json=phone_order(), headers=headers, **REP)
    again = orders.post("/orders", json=phone_order(), headers=headers, **REP)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert rows(orders, "orders") == 1 and len(orders.published("orders.order.created")) == 1


def test_bad_input_is_a_422_with_field_messages_and_nothing_is_written(orders):
    body = phone_order(currency="cny", colour="red")
    body["items"][0]["quantity"] = "0"
    body["items"][1]["unit_price"] = "-1"
    body["items"][1]["discount_pct"] = "120"
    del body["shipping_address"]

    response = orders.post("/orders", json=body, **REP)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.json["errors"]
    assert errors["colour"] == ["Unknown field."]
    assert errors["currency"] == ["must be a 3-letter ISO 4217 code in upper case (e.g. CNY)"]
    assert errors["shipping_address"] == ["Missing data for required field."]
    assert errors["items"]["0"]["quantity"] == ["Must be greater than 0."]
    assert errors["items"]["1"]["unit_price"] == ["Must be greater than or equal to 0."]
    assert errors["items"]["1"]["discount_pct"] == ["Must be greater than or equal to 0 and less than or equal to 100."]
    assert rows(orders, "orders") == 0 and rows(orders, "outbox") == 0


def test_rules_only_the_domain_knows_are_422_too_and_nothing_is_written(orders):
    body = phone_order(delivery_date=(TODAY - timedelta(days=2)).isoformat(), payment_terms="net_365")
    body["items"][1]["product_code"] = "TEA-01"

    response = orders.post("/orders", json=body, **REP)
    assert response.status_code == 422
    assert response.json["errors"] == {"payment_terms": [
        "must be prepaid, cash_on_delivery or net_<days> (1 to 180 days)"]}

    body["payment_terms"] = "prepaid"
    response = orders.post("/orders", json=body, **REP)
    assert response.status_code == 422
    assert response.json["errors"] == {
        "delivery_date": ["must not be before the day the order was placed"],
        "items.1.product_code": ["TEA-01 appears more than once; combine the lines"],
    }
    assert rows(orders, "orders") == 0 and rows(orders, "outbox") == 0


def test_an_order_in_a_currency_without_a_rate_is_refused_on_the_currency(orders):
    response = orders.post("/orders", json=phone_order(currency="EUR"), **REP)

    assert response.status_code == 422
    assert response.json["errors"]["currency"][0].startswith("no exchange rate for EUR on ")


def test_amounts_are_decimals_not_floats(orders):
    body = phone_order()
    body["items"] = [{"product_code": "A", "description": "Half-cent lines", "quantity": "1", "unit_price": "0.005"},
                     {"product_code": "B", "description": "Half-cent lines", "quantity": "1", "unit_price": "0.005"},
                     {"product_code": "C", "description": "Rounding", "quantity": "3", "unit_price": "0.335",
                      "tax_rate_pct": "13"}]

    order = orders.post("/orders", json=body, **REP).json

    # each line rounds half-up on its own: 0.01 + 0.01 + 1.01 (1.005), tax 0.13
    assert [i["amount"] for i in order["items"]] == ["0.01", "0.01", "1.01"]
    assert order["amounts"]["total_amount"] == "1.03" and order["amounts"]["gross_amount"] == "1.16"
    assert order["amounts"]["total_cost"] is None
    assert order["amounts"]["cost_note"] == "cost unknown for A, B, C: total cost and gross profit cannot be computed"


def test_only_signed_in_people_with_a_sales_role_enter_orders(orders):
    assert orders.post("/orders", json=phone_order(), role=None).status_code == 401
    assert orders.post("/orders", json=phone_order(), role="cs_agent", user="cs-1").status_code == 201


def test_reps_see_their_own_orders_supervisors_their_team_managers_their_region(orders):
    mine = orders.post("/orders", json=phone_order(), **REP).json["id"]
    orders.post("/orders", json=phone_order(), role="rep", user="rep-2", team="east-2", region="east")
    orders.post("/orders", json=phone_order(), role="rep", user="rep-3", team="north-1", region="north")

    def seen(**who):
        return orders.get("/orders", **who).json["total"]

    assert seen(**REP) == 1
    assert seen(role="supervisor", user="sup-1", team="east-1", region="east") == 1
    assert seen(role="manager", user="mgr-1", team=None, region="east") == 2
    assert seen(role="director", user="dir-1", team=None, region=None) == 3
    assert seen(role="cs_agent", user="cs-1", team="care-1", region="east") == 2  # customer care: its region
    assert seen(role="cs_agent", user="cs-9", team="desk-1", region="west") == 0
    assert seen(role="cs_agent", user="cs-0", team="desk-0", region=None) == 3  # the central desk
    other_rep = orders.get(f"/orders/{mine}", role="rep", user="rep-2", team="east-2", region="east")
    assert other_rep.status_code == 404
    assert orders.post(f"/orders/{mine}/confirm", json={}, role="rep", user="rep-2").status_code == 404


def test_personal_data_is_masked_without_the_right_and_shown_reads_are_audited(orders):
    order_id = orders.post("/orders", json=phone_order(), **REP).json["id"]

    masked = orders.get(f"/orders/{order_id}", role="ops", user="ops-1").json["customer_contact"]
    shown = orders.get(f"/orders/{order_id}", role="manager", user="mgr-1", region="east").json["customer_contact"]

    assert masked == {"name": "赵敏", "phone": "574****4321", "email": "b***@haishu.example", "masked": True}
    assert shown == {"name": "赵敏", "phone": "+86 574 8765 4321", "email": "buyer@haishu.example", "masked": False}
    with orders.runtime.database.session() as session:
        audit = orders.spec.metadata.tables["audit_log"]
        reads = session.execute(select(audit.c.actor).where(audit.c.action == "READ_PII")).scalars().all()
    assert reads == ["rep-1", "mgr-1"]  # the owning rep saw it in the creation response, then the manager


def test_lists_filter_sort_and_page(orders):
    for n, price in enumerate(("30.00", "10.00", "20.00")):
        body = phone_order(customer={"id": f"cust-{n}", "name": f"Customer {n}"})
        body["items"] = [{"product_code": "A", "description": "Tea", "quantity": "1", "unit_price": price}]
        orders.post("/orders", json=body, **REP)
    orders.deliver("deals.contract.signed", contract_signed(rep_id="rep-1", team="east-1"))

    cheapest_first = orders.get("/orders?sort=total_amount&origin=phone", **REP)
    assert [o["total_amount"] for o in cheapest_first.json["items"]] == ["10.00", "20.00", "30.00"]

    page = orders.get("/orders?sort=-total_amount&page=2&page_size=2", **REP).json
    assert [o["origin"] for o in page["items"]] == ["phone", "phone"]
    assert [o["total_amount"] for o in page["items"]] == ["20.00", "10.00"]
    assert (page["page"], page["page_size"], page["total"]) == (2, 2, 4)

    assert [o["customer_id"] for o in orders.get("/orders?customer_id=cust-1", **REP).json["items"]] == ["cust-1"]
    assert orders.get("/orders?status=shipped", **REP).json["items"] == []
    assert orders.get("/orders?page=99999999999999999999", **REP).status_code == 422  # never reaches the database
    assert orders.get("/orders?sort=colour", **REP).status_code == 422


def test_a_rep_enters_orders_for_themselves_a_supervisor_for_the_team(orders):
    for_colleague = phone_order(rep_id="rep-2")

    assert orders.post("/orders", json=for_colleague, **REP).status_code == 403
    entered = orders.post("/orders", json=for_colleague, role="supervisor", user="sup-1", team="east-1",
                          region="east")
    assert entered.status_code == 201
    assert (entered.json["rep_id"], entered.json["team"], entered.json["created_by"]) == ("rep-2", "east-1", "sup-1")
    assert orders.get(f"/orders/{entered.json['id']}", role="rep", user="rep-2").status_code == 200


def test_orders_are_found_by_the_time_they_were_placed(orders):
    early = phone_order(placed_at="2025-05-12T09:30:00+08:00", delivery_date=TODAY.isoformat())
    late = phone_order(placed_at="2025-05-12T10:30:00+08:00", delivery_date=TODAY.isoformat())
    first = orders.post("/orders", json=early, **REP).json["id"]
    orders.post("/orders", json=late, **REP)

    # 10:00 in Shanghai is 02:00 UTC: only the 09:30 order was placed before it
    found = orders.get("/orders?placed_to=2025-05-12T10:00:00%2B08:00", **REP).json["items"]

    assert [o["id"] for o in found] == [first]
    assert found[0]["placed_at"] == "2025-05-12T01:30:00+00:00"


def test_customer_care_of_another_team_neither_reads_nor_accepts_an_order(orders):
    order_id = orders.post("/orders", json=phone_order(), **REP).json["id"]
    outsider = {"role": "cs_agent", "user": "cs-2", "team": "north-1", "region": "north"}
    for path in ("", "/history", "/versions", "/versions/1", "/changes"):
        assert orders.get(f"/orders/{order_id}{path}", **outsider).status_code == 404, path
    assert orders.get(f"/orders/{order_id}/plan", **outsider).status_code == 404
    assert orders.post(f"/orders/{order_id}/accept", json={}, **outsider).status_code == 404
    assert orders.get(f"/orders/{order_id}", role="cs_agent", user="cs-1", team="care-1", region="east").status_code == 200


def test_an_order_cannot_be_filed_under_another_team_or_region(orders):
    for elsewhere in ({"team": "north-1"}, {"region": "north"}):
        refused = orders.post("/orders", json={**phone_order(), **elsewhere}, **REP)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json", refused.json
    supervisor = {"role": "supervisor", "user": "sup-1", "team": "east-1", "region": "east"}
    assert orders.post("/orders", json={**phone_order(), "team": "north-1"}, **supervisor).status_code == 422
    assert orders.get("/orders", role="director", user="dir-1").json["total"] == 0
