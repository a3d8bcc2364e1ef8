"""Nothing that arrives vanishes, and batches keep every guarantee (DESIGN.md §4),
on the real RabbitMQ and PostgreSQL.

Each message that can never be handled is parked with its reason at once;
a handler failure is retried with attempts counted from our own header only;
a batch with a poison message in it parks that one alone and commits the rest
once; a worker killed after a batch's commit yields each effect once.
"""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from demo_service import count
from salesloop.messaging.worker import ATTEMPTS
from salesloop.testing.broker import consume_until, dead_letters, publish_raw, queues_empty

pytestmark = pytest.mark.integration

NOTE = "demo.note.created"


def note(beta, note_id, body_text="fine", **envelope):
    return beta.envelope(NOTE, {"note_id": note_id, "text": body_text}, **envelope)


def parked_reasons(beta) -> list[str]:
    return sorted(letter.reason for letter in dead_letters(beta.runtime))


def drained(beta, expected_letters: int) -> bool:
    return queues_empty(beta) and len(dead_letters(beta.runtime)) == expected_letters


def test_a_type_that_is_not_its_routing_key_is_parked(pair):
    _, beta = pair
    forged = beta.envelope("demo.note.deleted", {"note_id": 1, "text": "x"})
    publish_raw(beta.runtime, NOTE, forged)  # bound key, another type in the body
    publish_raw(beta.runtime, NOTE, note(beta, 2))
    assert consume_until(beta.runtime, lambda: drained(beta, 1) and count(beta.runtime, "tallies") == 1)
    assert parked_reasons(beta) == ["type 'demo.note.deleted' does not match routing key 'demo.note.created'"]


def test_an_id_longer_than_the_inbox_holds_is_parked_unread(pair):
    _, beta = pair
    publish_raw(beta.runtime, NOTE, note(beta, 3, event_id="x" * 201))
    assert consume_until(beta.runtime, lambda: drained(beta, 1))
    assert parked_reasons(beta) == ["invalid envelope: id is longer than 200 characters"]
    assert count(beta.runtime, "inbox") == 0


def test_an_oversized_body_is_parked_unread(pair):
    _, beta = pair
    publish_raw(beta.runtime, NOTE, note(beta, 4, "y" * (1024 * 1024)))
    assert consume_until(beta.runtime, lambda: drained(beta, 1))
    [reason] = parked_reasons(beta)
    assert reason.startswith("body of 1,048,") and reason.endswith("is over the limit of 1,048,576")


def test_a_value_the_database_refuses_is_parked_at_once_not_retried(pair):
    _, beta = pair
    publish_raw(beta.runtime, NOTE, note(beta, 5, "z" * 300))  # tallies.text holds 200
    assert consume_until(beta.runtime, lambda: drained(beta, 1))
    [letter] = dead_letters(beta.runtime)
    assert letter.reason.startswith("the database refused the data: value too long")
    assert ATTEMPTS not in letter.headers  # parked on its first arrival: no retry in between


def test_an_attempt_count_sent_by_a_producer_is_not_believed(pair):
    _, beta = pair
    # Fails once, then succeeds; a believed header of 99 would park it on its first failure.
    publish_raw(beta.runtime, NOTE, note(beta, 6, "fail:1"), headers={ATTEMPTS: 99})
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1, timeout=20)
    assert dead_letters(beta.runtime) == []


def test_a_poison_message_in_a_batch_is_parked_alone_and_the_rest_commit_once(pair):
    _, beta = pair
    for note_id in range(10, 30):
        publish_raw(beta.runtime, NOTE, note(beta, note_id, "z" * 300 if note_id == 17 else "fine"))
    worker = beta.runtime.worker()
    batches = []
    handle_batch = worker.processor.handle_batch
    worker.processor.handle_batch = lambda batch, **kw: batches.append(len(batch)) or handle_batch(batch, **kw)

    assert consume_until(beta.runtime, lambda: drained(beta, 1) and count(beta.runtime, "tallies") == 19,
                         worker=worker)
    assert max(batches) > 1  # they did arrive together
    [letter] = dead_letters(beta.runtime)
    assert letter.event_id is not None and "value too long" in letter.reason
    assert len(beta.published("demo.note.counted")) == 19  # each neighbour's event once, none from the rollback
    assert count(beta.runtime, "inbox") == 19


CRASH_AFTER_BATCH_COMMIT = textwrap.dedent('''
    import os, sys
    sys.path.insert(0, {tests_dir!r})
    from demo_service import beta_spec
    from salesloop.config import load_settings
    from salesloop.service import Runtime

    settings = load_settings("beta", database_url={db!r}, bus_url={bus!r}, bus_namespace={ns!r})
    worker = Runtime(beta_spec(), settings).worker()
    handle_batch = worker.processor.handle_batch

    def handle_then_die(batch, **kwargs):
        handle_batch(batch, **kwargs)     # the batch's effects and inbox rows are committed...
        print(len(batch), flush=True)
        os._exit(17)                      # ...and the process dies before a single ack
    worker.processor.handle_batch = handle_then_die
    worker.run()
''')


def test_a_worker_killed_between_a_batch_commit_and_its_acks_has_each_effect_once(pair):
    _, beta = pair
    for note_id in range(40, 60):
        publish_raw(beta.runtime, NOTE, note(beta, note_id))
    settings = beta.runtime.settings
    script = CRASH_AFTER_BATCH_COMMIT.format(tests_dir=str(Path(__file__).parents[1]), db=settings.database_url,
                                             bus=settings.bus_url, ns=settings.bus_namespace)
    child = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True, text=True)
    assert child.returncode == 17, child.stderr[-2000:]
    committed = int(child.stdout.split()[0])
    assert committed > 1 and count(beta.runtime, "tallies") == committed

    assert consume_until(beta.runtime, lambda: queues_empty(beta) and count(beta.runtime, "tallies") == 20,
                         timeout=30)
    with beta.runtime.database.session() as session:
        assert session.execute(text("select count(distinct note_id) from tallies")).scalar() == 20
    assert len(beta.published("demo.note.counted")) == 20
    assert dead_letters(beta.runtime) == []
