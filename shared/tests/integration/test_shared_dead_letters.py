"""Dead letters are handled one letter at a time, and a replay never loses one
(DESIGN.md §4), on the real RabbitMQ and PostgreSQL.

Every parked message has a letter id of its own; replay and purge take one
letter, every letter of an event id, or all; replay acks the parked copy only
after the broker confirmed and routed the new one.
"""
import time

import pytest

from demo_service import count
from salesloop.messaging.deadletters import DeadLetterQueue, Selection
from salesloop.messaging.worker import ATTEMPTS, LETTER_ID
from salesloop.testing.broker import consume_until, dead_letters, publish_raw

pytestmark = pytest.mark.integration

NOTE = "demo.note.created"


def park(beta, *bodies) -> list:
    """Publish poison as an outside producer would and let the worker park it all."""
    for body in bodies:
        publish_raw(beta.runtime, NOTE, body)
    assert consume_until(beta.runtime, lambda: len(dead_letters(beta.runtime)) == len(bodies))
    return dead_letters(beta.runtime)


def bad_note(beta, note_id="not a number"):
    return beta.envelope(NOTE, {"note_id": note_id, "text": "typo"})


def test_each_parked_message_has_its_own_letter_id(pair):
    _, beta = pair
    letters = park(beta, bad_note(beta), bad_note(beta), b"\xff not json")
    assert len({letter.letter_id for letter in letters}) == 3
    assert all(letter.headers[LETTER_ID] == letter.letter_id for letter in letters)


def test_replay_of_one_letter_leaves_the_others_parked(pair):
    _, beta = pair
    first, second = park(beta, bad_note(beta), bad_note(beta))
    queue = DeadLetterQueue(beta.runtime.bus)
    result = queue.replay(Selection(letter_id=second.letter_id), fixed_data={"note_id": 12, "text": "fixed"})
    assert (result.done, result.kept) == ([second.letter_id], {})
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1)
    assert [letter.letter_id for letter in dead_letters(beta.runtime)] == [first.letter_id]


def test_purge_of_one_letter_leaves_the_others_parked(pair):
    _, beta = pair
    first, second, third = park(beta, bad_note(beta), bad_note(beta), bad_note(beta))
    assert DeadLetterQueue(beta.runtime.bus).purge(Selection(letter_id=first.letter_id)).done == [first.letter_id]
    assert sorted(letter.letter_id for letter in dead_letters(beta.runtime)) == sorted(
        [second.letter_id, third.letter_id])


def test_a_letter_that_is_not_json_can_be_shown_and_purged_alone(pair):
    _, beta = pair
    park(beta, bad_note(beta), b"\xff\xfe not json at all")
    [garbled] = [letter for letter in dead_letters(beta.runtime) if letter.event_id is None]
    assert garbled.body == b"\xff\xfe not json at all" and garbled.reason.startswith("invalid envelope")
    assert garbled.summary()["letter_id"] == garbled.letter_id
    assert DeadLetterQueue(beta.runtime.bus).purge(Selection(letter_id=garbled.letter_id)).count == 1
    [left] = dead_letters(beta.runtime)
    assert left.event_id is not None


def test_a_message_parked_twice_is_one_letter_replayed_once(pair):
    """A redelivery after a lost ack (the worker killed between the dead-letter
    queue's confirm and its ack) parks the same bytes again: one letter, two copies,
    replayed once and gone together."""
    _, beta = pair
    poison = bad_note(beta)
    for _ in range(2):
        publish_raw(beta.runtime, NOTE, poison)
    assert consume_until(beta.runtime, lambda: [letter.copies for letter in dead_letters(beta.runtime)] == [2])
    [letter] = dead_letters(beta.runtime)
    assert letter.summary()["copies"] == 2
    result = DeadLetterQueue(beta.runtime.bus).replay(Selection(letter_id=letter.letter_id),
                                                      fixed_data={"note_id": 7, "text": "fixed"})
    assert result.done == [letter.letter_id]
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1)
    assert dead_letters(beta.runtime) == []


def test_purge_takes_every_copy_of_a_letter(pair):
    _, beta = pair
    poison = b"\xff the same garbage twice"
    for _ in range(2):
        publish_raw(beta.runtime, NOTE, poison)
    assert consume_until(beta.runtime, lambda: [letter.copies for letter in dead_letters(beta.runtime)] == [2])
    [letter] = dead_letters(beta.runtime)
    assert DeadLetterQueue(beta.runtime.bus).purge(Selection(letter_id=letter.letter_id)).done == [letter.letter_id]
    assert dead_letters(beta.runtime) == []


def test_a_replayed_letter_arrives_as_a_first_arrival(pair):
    _, beta = pair
    [letter] = park(beta, bad_note(beta))
    DeadLetterQueue(beta.runtime.bus).replay(Selection(letter_id=letter.letter_id))
    # Parked again (the data is still wrong): a new letter, attempts counted afresh.
    assert consume_until(beta.runtime, lambda: len(dead_letters(beta.runtime)) == 1)
    [again] = dead_letters(beta.runtime)
    assert again.letter_id != letter.letter_id and again.routing_key == NOTE
    assert ATTEMPTS not in again.headers


def test_a_replay_the_broker_cannot_route_keeps_the_parked_copy(pair):
    _, beta = pair
    [letter] = park(beta, bad_note(beta))
    bus = beta.runtime.bus
    with bus.connect() as connection:
        connection.default_channel.queue_delete(bus.queue_name)
    result = DeadLetterQueue(bus).replay(Selection(letter_id=letter.letter_id))
    assert result.done == [] and "missing" in result.kept[letter.letter_id]
    assert [kept.letter_id for kept in dead_letters(beta.runtime)] == [letter.letter_id]


def test_a_letter_the_broker_parked_keeps_one_id_across_listings(pair_with_delivery_limit):
    beta = pair_with_delivery_limit
    publish_raw(beta.runtime, NOTE, beta.envelope(NOTE, {"note_id": 5, "text": "crashes its worker"}))
    bus = beta.runtime.bus
    # A handler that kills its worker, as the broker sees it: delivered, never acked, past the limit.
    with bus.connect() as connection:
        queue = bus.service_queue([NOTE])(connection.default_channel)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not dead_letters(beta.runtime):
            message = queue.get(no_ack=False, accept=None)
            if message is not None:
                message.requeue()
    first, second = dead_letters(beta.runtime), dead_letters(beta.runtime)
    assert len(first) == 1 and LETTER_ID not in first[0].headers
    assert first[0].letter_id == second[0].letter_id and first[0].letter_id.startswith("b-")
    assert first[0].routing_key == NOTE
    DeadLetterQueue(bus).replay(Selection(letter_id=first[0].letter_id))
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1)
    assert dead_letters(beta.runtime) == []


def test_a_selection_names_exactly_one_thing():
    for wrong in ({}, {"letter_id": "a", "every": True}, {"event_id": "e", "letter_id": "a"}):
        with pytest.raises(ValueError):
            Selection(**wrong)


def test_a_letter_sent_with_a_text_encoding_keeps_its_body_as_bytes(pair):
    """py-amqp hands a body published with a content encoding over as text; a letter
    holds bytes whatever the producer said, so `dlq show` and replay can read it."""
    from kombu import Producer

    _, beta = pair
    with beta.runtime.bus.connect() as connection:
        Producer(connection.default_channel).publish(
            "纯文本, not json", exchange=beta.runtime.bus.exchange, routing_key=NOTE, content_type="text/plain",
            content_encoding="utf-8", delivery_mode=2)
    assert consume_until(beta.runtime, lambda: len(dead_letters(beta.runtime)) == 1)
    [letter] = dead_letters(beta.runtime)
    assert letter.body == "纯文本, not json".encode()
