"""The operations view: ops and admins only; replay and purge only for admins, through the services' API."""
from __future__ import annotations

from salesloop.messaging.kombu_typed import Producer
from salesloop.messaging.worker import LETTER_ID, ORIGINAL_KEY, REASON

from console_client import csrf_token


def park(harness, letter_id: str) -> None:
    """A message parked in the service's dead-letter queue, as its worker parks one."""
    bus = harness.runtime.bus
    body = harness.envelope("deals.contract.signed", {"contract_id": "k-1"}).to_json()
    with bus.connect() as connection:
        bus.dead_letter_queue()(connection.default_channel).declare()
        Producer(connection.default_channel).publish(
            body if isinstance(body, bytes) else body.encode(), exchange="", routing_key=bus.dead_letter_queue_name,
            headers={LETTER_ID: letter_id, REASON: "invalid deals.contract.signed data", ORIGINAL_KEY: "x"},
            content_type="application/json", content_encoding="utf-8", delivery_mode=2)


def test_a_rep_is_refused_the_operations_view(services, signed_in, network):
    response = signed_in("rep", "r-1", "team-1", "east").get("/ops")
    assert response.status_code == 403 and "ops and admin" in response.get_data(as_text=True)
    assert network.calls == []


def test_ops_sees_each_services_readiness_gauges_and_dead_letters(services, signed_in):
    park(services["orders"], "l-1")
    page = signed_in("ops", "op-1").get("/ops").get_data(as_text=True)
    for service in ("leads", "deals", "orders", "service-desk", "kpi"):
        assert f'data-service="{service}"' in page
    assert 'data-letter="l-1"' in page and "invalid deals.contract.signed data" in page
    assert 'class="replay"' not in page, "ops may look, not act"


def test_ops_posting_a_replay_is_refused_by_the_service(services, signed_in):
    park(services["orders"], "l-1")
    client = signed_in("ops", "op-1")
    response = client.post("/ops/orders/dead-letters/replay", data={"csrf_token": csrf_token(client, "/ops"),
                                                                     "letter_id": "l-1"})
    assert response.status_code == 403
    assert 'data-letter="l-1"' in client.get("/ops").get_data(as_text=True)


def test_an_admin_purges_a_letter(services, signed_in):
    park(services["orders"], "l-1")
    park(services["orders"], "l-2")
    client = signed_in("admin", "root")
    assert 'class="purge"' in client.get("/ops").get_data(as_text=True)
    response = client.post("/ops/orders/dead-letters/purge", data={"csrf_token": csrf_token(client, "/ops"),
                                                                    "letter_id": "l-1"})
    assert response.status_code == 302
    page = client.get("/ops").get_data(as_text=True)
    assert "letter l-1 purged" in page and 'data-letter="l-1"' not in page and 'data-letter="l-2"' in page


def test_an_action_without_csrf_or_with_a_bad_letter_writes_nothing(services, signed_in):
    park(services["orders"], "l-1")
    client = signed_in("admin", "root")
    assert client.post("/ops/orders/dead-letters/purge", data={"letter_id": "l-1"}).status_code == 400
    bad = client.post("/ops/nowhere/dead-letters/purge", data={"csrf_token": csrf_token(client, "/ops"),
                                                               "letter_id": "l-1"})
    assert bad.status_code == 400 and "Traceback" not in bad.get_data(as_text=True)
    assert 'data-letter="l-1"' in client.get("/ops").get_data(as_text=True)


def test_a_service_that_does_not_answer_is_shown_not_ready(services, signed_in, network):
    del network.apps["kpi.test"]
    page = signed_in("ops", "op-1").get("/ops").get_data(as_text=True)
    assert 'data-service="kpi" class="bad"' in page and "kpi did not answer" in page


def test_a_trace_link_goes_to_the_configured_viewer_for_a_visible_order(services, make_console):
    from console_client import sign_in

    console = make_console(trace_url="http://traces.example/search?{kind}={id}")
    client = console.test_client()
    sign_in(client, "admin", "root")
    response = client.get("/trace/order/o-unknown")
    assert response.status_code == 404 and "Traceback" not in response.get_data(as_text=True)
    assert client.get("/trace/invoice/1").status_code == 404


PHONE_ORDER = {
    "customer": {"id": "cust-9", "name": "宁波海曙贸易", "phone": "+86 574 8765 4321", "contact_name": "赵敏"},
    "items": [{"product_code": "TEA-01", "description": "Longjing 250 g", "quantity": "3", "unit_price": "19.99",
               "unit_cost": "12.50"}],
    "currency": "CNY", "payment_terms": "net_30",
    "shipping_address": {"line1": "中山西路 1 号", "city": "宁波", "country": "CN", "postal_code": "315000"},
}


def test_an_orders_trace_link_opens_the_viewer_on_it_for_whoever_may_read_it(services, make_console):
    from datetime import date, timedelta

    from console_client import sign_in

    body = {**PHONE_ORDER, "delivery_date": (date.today() + timedelta(days=30)).isoformat()}
    created = services["orders"].post("/orders", json=body, role="rep", user="r-1", team="team-1", region="east")
    assert created.status_code == 201, created.json
    order_id = created.json["id"]
    console = make_console(trace_url="http://traces.example/search?{kind}={id}")
    owner, stranger = console.test_client(), console.test_client()
    sign_in(owner, "rep", "r-1", "team-1", "east")
    sign_in(stranger, "rep", "r-2", "team-2", "west")
    assert f"/trace/order/{order_id}" in owner.get("/orders").get_data(as_text=True)
    response = owner.get(f"/trace/order/{order_id}")
    assert (response.status_code, response.location) == (302, f"http://traces.example/search?order={order_id}")
    assert stranger.get(f"/trace/order/{order_id}").status_code == 404
