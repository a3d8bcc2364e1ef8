"""The delivery guarantees of DESIGN.md §4 on the real broker and database."""
import pytest

from demo_service import count
from salesloop.testing.broker import consume_until, dead_letters, publish_outbox, publish_raw, queues_empty

pytestmark = pytest.mark.integration


def test_an_event_crosses_from_one_service_to_another(pair):
    alpha, beta = pair
    assert alpha.post("/notes", json={"text": "hello"}).status_code == 201
    assert publish_outbox(alpha.runtime) == 1
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1)
    assert beta.published("demo.note.counted")[0]["data"]["text"] == "hello"


def test_the_same_event_delivered_twice_has_one_effect(pair):
    alpha, beta = pair
    alpha.post("/notes", json={"text": "twice"})
    [envelope] = alpha.published("demo.note.created")
    publish_raw(beta.runtime, "demo.note.created", envelope)
    publish_raw(beta.runtime, "demo.note.created", envelope)
    publish_raw(beta.runtime, "demo.note.created", beta.envelope("demo.note.created", {"note_id": 99, "text": "marker"}))
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "inbox") == 2 and queues_empty(beta))
    assert count(beta.runtime, "tallies") == 2  # "twice" once, the marker once
    # the copy was recognised as a duplicate and acked — not failed, retried or parked
    assert dead_letters(beta.runtime) == []


def test_a_malformed_message_is_parked_with_its_reason_and_the_queue_flows(pair):
    _, beta = pair
    publish_raw(beta.runtime, "demo.note.created", b"{not json", content_type="application/json")
    publish_raw(beta.runtime, "demo.note.created", beta.envelope("demo.note.created", {"note_id": "x"}))
    publish_raw(beta.runtime, "demo.note.created", beta.envelope("demo.note.created", {"note_id": 5, "text": "ok"}))
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1)
    letters = dead_letters(beta.runtime)
    reasons = sorted(letter.reason for letter in letters)
    assert len(letters) == 2
    assert reasons[0].startswith("invalid demo.note.created data") and "note_id" in reasons[0]
    assert reasons[1].startswith("invalid envelope: body is not JSON")


def test_a_failing_handler_is_retried_with_back_off_then_succeeds(pair):
    _, beta = pair
    publish_raw(beta.runtime, "demo.note.created", beta.envelope("demo.note.created", {"note_id": 7, "text": "fail:2"}))
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1, timeout=20)
    assert dead_letters(beta.runtime) == []


def test_a_handler_that_always_fails_is_parked_after_the_bounded_retries(pair):
    _, beta = pair
    bad = beta.envelope("demo.note.created", {"note_id": 8, "text": "fail:always"})
    publish_raw(beta.runtime, "demo.note.created", bad)
    publish_raw(beta.runtime, "demo.note.created", beta.envelope("demo.note.created", {"note_id": 9, "text": "fine"}))
    assert consume_until(beta.runtime, lambda: len(dead_letters(beta.runtime)) == 1, timeout=20)
    [letter] = dead_letters(beta.runtime)
    assert letter.event_id == bad.id
    assert letter.reason.startswith("failed 3 times; last error RuntimeError: planned failure")
    assert count(beta.runtime, "tallies") == 1  # note 9 went through meanwhile
    with beta.runtime.database.session() as session:
        from sqlalchemy import text

        # three attempts of its own, plus the rolled-back try of the batch it arrived in, if it did
        assert session.execute(text("select count from attempts where note_id = 8")).scalar() in (3, 4)


def test_a_parked_event_can_be_fixed_and_replayed(pair):
    from salesloop.messaging.deadletters import DeadLetterQueue, Selection

    _, beta = pair
    bad = beta.envelope("demo.note.created", {"note_id": "not a number", "text": "typo"})
    publish_raw(beta.runtime, "demo.note.created", bad)
    assert consume_until(beta.runtime, lambda: len(dead_letters(beta.runtime)) == 1)
    assert DeadLetterQueue(beta.runtime.bus).replay(Selection(event_id=bad.id), fixed_data={"note_id": 11, "text": "typo"}).count == 1
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1)
    assert dead_letters(beta.runtime) == []


def test_an_unroutable_event_is_never_marked_sent(service_harness, postgres_url, rabbitmq_url, bus_namespace):
    from demo_service import alpha_spec, app_factory
    from salesloop.testing.broker import cleanup_bus

    alpha = service_harness(alpha_spec(), app_factory, database_url=postgres_url, bus_url=rabbitmq_url,
                            namespace=bus_namespace)
    alpha.post("/notes", json={"text": "nobody listens"})
    try:
        assert publish_outbox(alpha.runtime) == 0
        with alpha.runtime.database.session() as session:
            from sqlalchemy import text

            row = session.execute(text("select sent_at, attempts, last_error from outbox")).one()
        assert row.sent_at is None and row.attempts == 1 and "no queue is bound" in row.last_error
    finally:
        cleanup_bus(alpha.runtime)
