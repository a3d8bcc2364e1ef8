"""The relay publishes a batch before waiting for its confirms, and wakes on the
next commit (DESIGN.md §4: no lost event), on the real RabbitMQ and PostgreSQL.

Pipelining keeps every per-row guarantee: an unroutable row in the middle of a
batch stays unsent while its neighbours go; a batch whose confirms are lost
leaves every row unsent; an idle relay on PostgreSQL publishes a commit without
waiting for its poll.
"""
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from demo_service import count
from salesloop.messaging.confirms import Confirms
from salesloop.testing.broker import consume_until, publish_outbox
from salesloop.testing.proxy import Proxy

pytestmark = pytest.mark.integration


def outbox(runtime) -> list:
    with runtime.database.session() as session:
        return session.execute(text("select event_type, sent_at, attempts, last_error from outbox order by id")).all()


def add_stray_row(runtime) -> None:
    """A row of a type no queue is bound to, as a service that renamed an event would write."""
    event_id = str(uuid.uuid4())
    envelope = {"specversion": "1.0", "id": event_id, "type": "demo.note.stray", "source": "/alpha",
                "time": datetime.now(timezone.utc).isoformat(), "data": {}}
    with runtime.database.session() as session, session.begin():
        session.execute(text("insert into outbox (event_id, event_type, envelope, trace_headers, created_at, attempts)"
                             " values (:id, 'demo.note.stray', :envelope, '{}', now(), 0)"),
                        {"id": event_id, "envelope": json.dumps(envelope)})


def test_an_unroutable_row_inside_a_batch_stays_unsent_and_its_neighbours_go(pair):
    alpha, beta = pair
    alpha.post("/notes", json={"text": "first"})
    add_stray_row(alpha.runtime)
    alpha.post("/notes", json={"text": "third"})
    assert publish_outbox(alpha.runtime) == 2
    rows = outbox(alpha.runtime)
    assert [(row.event_type, row.sent_at is not None) for row in rows] == [
        ("demo.note.created", True), ("demo.note.stray", False), ("demo.note.created", True)]
    assert rows[1].attempts == 1 and "no queue is bound" in rows[1].last_error
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 2)


def test_a_batch_whose_confirms_are_lost_stays_unsent(pair, rabbitmq_url):
    from urllib.parse import urlparse

    from salesloop.service import Runtime

    alpha, _ = pair
    for n in range(3):
        alpha.post("/notes", json={"text": f"note {n}"})
    parsed = urlparse(rabbitmq_url)
    proxy = Proxy(parsed.hostname, parsed.port or 5672)
    runtime = Runtime(alpha.spec, alpha.runtime.settings.with_overrides(bus_url=proxy.url(), confirm_timeout=1.0))
    relay = runtime.relay()
    try:
        with relay.connect() as connection:
            outlet = relay.outlet(connection)
            proxy.black_hole()
            with pytest.raises(Exception):
                relay.relay_once(outlet)
    finally:
        proxy.close()
        runtime.database.dispose()
    rows = outbox(alpha.runtime)
    assert [row.sent_at for row in rows] == [None, None, None]
    assert all(row.attempts == 1 for row in rows)


@contextmanager
def slow_polling_relay(service) -> Iterator[tuple[threading.Event, threading.Thread]]:
    """A relay whose poll and listening fallback are far longer than a test: only a
    notification (or a stop) can end its wait. Yields once it is connected and waiting."""
    from salesloop.service import Runtime

    runtime = Runtime(service.spec, service.runtime.settings.with_overrides(relay_poll_seconds=60,
                                                                          relay_listen_seconds=60))
    stop = threading.Event()
    thread = threading.Thread(target=runtime.relay().run, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(1.0)  # connected, first pass done, now waiting
        yield stop, thread
    finally:
        stop.set()
        thread.join(70)
        runtime.database.dispose()


def sent_soon(service, index: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and outbox(service.runtime)[index].sent_at is None:
        time.sleep(0.05)
    return outbox(service.runtime)[index].sent_at is not None


def test_an_idle_relay_wakes_on_the_commit_not_on_its_poll(pair):
    alpha, beta = pair
    with slow_polling_relay(alpha):
        alpha.post("/notes", json={"text": "wake up"})
        assert sent_soon(alpha, 0)
        # After a short batch the relay waits for the next notification, not for its poll.
        alpha.post("/notes", json={"text": "and again"})
        assert sent_soon(alpha, 1)
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 2)


def test_a_listening_relay_asked_to_stop_stops_without_waiting_out_its_fallback(pair):
    alpha, _ = pair
    with slow_polling_relay(alpha) as (stop, thread):
        stop.set()
        thread.join(10)  # a shutdown (SIGTERM, a deploy) ends it, not the next minute
        assert not thread.is_alive()


class Channel:
    """Just enough of a py-amqp channel to drive the bookkeeping by hand."""

    def __init__(self):
        self.events = {"basic_ack": set(), "basic_nack": set(), "basic_return": set()}
        self.selected = False

    def confirm_select(self):
        self.selected = True

    def fire(self, name, *args):
        for callback in self.events[name]:
            callback(*args)


class Row:
    def __init__(self, n):
        self.id, self.event_id, self.event_type = n, f"e{n}", "demo.note.created"


class Message:
    def __init__(self, message_id):
        self.properties = {"message_id": message_id}


def test_confirms_settle_multiple_acks_nacks_and_returns_by_row():
    channel = Channel()
    confirms = Confirms(channel)
    rows = [Row(n) for n in range(1, 7)]
    for row in rows:
        confirms.expect(row)
    channel.fire("basic_return", Exception("NO_ROUTE"), "x", "k", Message("e2"))
    channel.fire("basic_ack", 3, True)    # 1, 2, 3 at once; 2 came back unroutable
    channel.fire("basic_nack", 4, False)
    channel.fire("basic_ack", 5, False)   # 6 never confirmed
    settled = confirms.settle()
    assert channel.selected
    assert [row.id for row in settled.confirmed] == [1, 3, 5]
    assert [(row.id, type(exc).__name__) for row, exc in settled.refused] == [(2, "Unroutable"), (4, "MessageNacked")]
    assert [row.id for row in settled.unconfirmed] == [6]
    assert settled.failure_of(6) == "no confirm" and settled.failure_of(1) is None
    # The next batch continues the broker's numbering; a late ack for row 6 counts for nothing.
    confirms.expect(Row(7))
    channel.fire("basic_ack", 6, False)
    channel.fire("basic_ack", 7, False)
    assert [row.id for row in confirms.settle().confirmed] == [7]
