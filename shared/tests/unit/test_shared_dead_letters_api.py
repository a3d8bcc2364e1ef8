"""/admin/dead-letters on every service: ops lists, only admin replays or purges.

On the embedded filesystem bus, with letters parked the way the worker parks
them (a letter id and a reason in the headers)."""
import json

import pytest

from demo_service import app_factory, beta_spec
from salesloop.messaging.kombu_typed import Producer
from salesloop.messaging.worker import LETTER_ID, ORIGINAL_KEY, REASON
from salesloop.testing.broker import declare_queues

NOTE = "demo.note.created"


@pytest.fixture
def beta(service_harness, tmp_path):
    harness = service_harness(beta_spec(), app_factory, bus_url=f"filesystem://{tmp_path / 'bus'}")
    declare_queues(harness.runtime)
    return harness


def park(harness, letter_id: str, data: dict) -> None:
    bus = harness.runtime.bus
    body = harness.envelope(NOTE, data).to_json()
    with bus.connect() as connection:
        bus.dead_letter_queue()(connection.default_channel).declare()
        Producer(connection.default_channel).publish(
            body.encode() if isinstance(body, str) else body, exchange="", routing_key=bus.dead_letter_queue_name,
            headers={LETTER_ID: letter_id, REASON: "handler failed: bad note", ORIGINAL_KEY: NOTE},
            content_type="application/json", content_encoding="utf-8", delivery_mode=2)


def letters(harness, role="ops"):
    response = harness.get("/admin/dead-letters", role=role)
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_ops_lists_the_letters_with_their_reasons(beta):
    park(beta, "l-1", {"note_id": 1, "text": "x"})
    [letter] = letters(beta)
    assert (letter["letter_id"], letter["type"], letter["reason"]) == ("l-1", NOTE, "handler failed: bad note")


@pytest.mark.parametrize("role", ["rep", "manager", "director", "cs_agent"])
def test_only_operations_may_list(beta, role):
    assert beta.get("/admin/dead-letters", role=role).status_code == 403


@pytest.mark.parametrize("action", ["replay", "purge"])
def test_ops_may_not_replay_or_purge(beta, action):
    park(beta, "l-1", {"note_id": 1, "text": "x"})
    response = beta.post(f"/admin/dead-letters/{action}", json={"letter_id": "l-1"}, role="ops")
    assert response.status_code == 403
    assert [letter["letter_id"] for letter in letters(beta)] == ["l-1"]


def test_admin_purges_one_letter_and_leaves_the_others(beta):
    park(beta, "l-1", {"note_id": 1, "text": "x"})
    park(beta, "l-2", {"note_id": 2, "text": "y"})
    response = beta.post("/admin/dead-letters/purge", json={"letter_id": "l-1"}, role="admin")
    assert response.status_code == 200, response.json
    assert (response.json["count"], response.json["done"]) == (1, ["l-1"])
    assert [letter["letter_id"] for letter in letters(beta)] == ["l-2"]


def test_admin_replays_a_letter_back_to_the_service_queue(beta):
    park(beta, "l-1", {"note_id": 1, "text": "x"})
    response = beta.post("/admin/dead-letters/replay", json={"letter_id": "l-1"}, role="admin")
    assert (response.status_code, response.json["done"]) == (200, ["l-1"])
    assert letters(beta) == []
    bus = beta.runtime.bus
    with bus.connect() as connection:
        queue = bus.service_queue(beta.runtime.subscriptions.bindings)(connection.default_channel)
        message = queue.get(no_ack=True)
    assert json.loads(message.body)["data"] == {"note_id": 1, "text": "x"}


@pytest.mark.parametrize("body", [{}, {"letter_id": "l-1", "all": True}, {"letter_id": 7}, ["l-1"]])
def test_an_unclear_selection_is_refused_and_nothing_is_touched(beta, body):
    park(beta, "l-1", {"note_id": 1, "text": "x"})
    response = beta.post("/admin/dead-letters/purge", json=body, role="admin")
    assert response.status_code == 422
    assert len(letters(beta)) == 1


def test_an_unknown_action_is_not_found(beta):
    assert beta.post("/admin/dead-letters/delete", json={"all": True}, role="admin").status_code == 404


def test_the_routes_are_in_the_openapi_document(beta):
    paths = beta.get("/openapi.json").json["paths"]
    assert {"/admin/dead-letters", "/admin/dead-letters/replay", "/admin/dead-letters/purge"} <= set(paths)
