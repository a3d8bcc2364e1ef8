"""No lost event across broker outages; no stuck relay on a lost confirm;
no double effect when a worker dies between its commit and its ack."""
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import text

from demo_service import count
from salesloop.testing.broker import consume_until, dead_letters, publish_outbox, publish_raw, queues_empty
from salesloop.testing.proxy import Proxy

pytestmark = pytest.mark.integration


@pytest.fixture
def proxy(rabbitmq_url):
    parsed = urlparse(rabbitmq_url)
    proxy = Proxy(parsed.hostname, parsed.port or 5672)
    yield proxy
    proxy.close()


def unsent(runtime) -> int:
    with runtime.database.session() as session:
        return session.execute(text("select count(*) from outbox where sent_at is null")).scalar()


def test_events_written_while_the_broker_is_down_arrive_when_it_is_back(pair, proxy):
    alpha, beta = pair
    relayed = alpha.runtime.settings.with_overrides(bus_url=proxy.url(), relay_poll_seconds=0.05)
    from salesloop.service import Runtime

    relay_runtime = Runtime(alpha.spec, relayed)
    relay = relay_runtime.relay()
    stop = threading.Event()
    proxy.cut()  # the broker is down before the relay even starts
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        for n in range(5):
            assert alpha.post("/notes", json={"text": f"during outage {n}"}).status_code == 201
        time.sleep(1.0)
        assert unsent(alpha.runtime) == 5  # nothing was lost, nothing was marked sent
        proxy.restore()
        assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 5, timeout=30)
        # and a second outage in the middle of the flow
        proxy.cut()
        alpha.post("/notes", json={"text": "second outage"})
        time.sleep(0.5)
        proxy.restore()
        assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 6, timeout=30)
        assert unsent(alpha.runtime) == 0
    finally:
        stop.set()
        thread.join(15)
        relay_runtime.database.dispose()


def test_a_lost_confirm_does_not_block_the_relay_and_the_row_stays_unsent(pair, proxy):
    alpha, _ = pair
    settings = alpha.runtime.settings.with_overrides(bus_url=proxy.url(), confirm_timeout=1.0)
    from salesloop.service import Runtime

    runtime = Runtime(alpha.spec, settings)
    alpha.post("/notes", json={"text": "confirm lost"})
    relay = runtime.relay()
    with relay.connect() as connection:
        outlet = relay.outlet(connection)
        proxy.black_hole()
        started = time.monotonic()
        with pytest.raises(Exception):
            relay.relay_once(outlet)
        assert time.monotonic() - started < 10
    assert unsent(alpha.runtime) == 1
    runtime.database.dispose()


def test_old_unsent_rows_are_swept(pair):
    alpha, beta = pair
    alpha.post("/notes", json={"text": "left behind by a dead web worker"})
    with alpha.runtime.database.session() as session, session.begin():
        session.execute(text("update outbox set created_at = now() - interval '2 days'"))
    assert publish_outbox(alpha.runtime) == 1
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1)


CRASHING_WORKER = textwrap.dedent('''
    import os, sys
    sys.path.insert(0, {tests_dir!r})
    from demo_service import beta_spec
    from salesloop.config import load_settings
    from salesloop.service import Runtime

    settings = load_settings("beta", database_url={db!r}, bus_url={bus!r}, bus_namespace={ns!r})
    worker = Runtime(beta_spec(), settings).worker()
    original = worker.processor.process

    def process_then_die(*message):
        outcome = original(*message)          # the effect and the inbox row are committed...
        os._exit(17)                      # ...and the process dies before it acks
    worker.processor.process = process_then_die
    worker.run()
''')


def test_a_worker_killed_between_its_commit_and_its_ack_has_one_effect(pair):
    _, beta = pair
    settings = beta.runtime.settings
    script = CRASHING_WORKER.format(tests_dir=str(Path(__file__).parents[1]), db=settings.database_url,
                                    bus=settings.bus_url, ns=settings.bus_namespace)
    publish_raw(beta.runtime, "demo.note.created", beta.envelope("demo.note.created", {"note_id": 42, "text": "once"}))
    child = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True, text=True)
    assert child.returncode == 17, child.stderr[-2000:]
    assert count(beta.runtime, "tallies") == 1  # the effect happened, the ack did not
    # the broker redelivers the unacked message to the next worker; the inbox absorbs it
    assert consume_until(beta.runtime, lambda: queues_empty(beta), timeout=20)
    assert count(beta.runtime, "tallies") == 1
    assert len(beta.published("demo.note.counted")) == 1
    assert dead_letters(beta.runtime) == []  # absorbed by the inbox, not parked as a failure


def test_a_relay_whose_database_is_away_waits_for_it_instead_of_exiting(pair):
    """The single-relay lock is taken on PostgreSQL before anything is published: a
    database that is away then (a restart, a cut connection) is waited for, not a crash."""
    from sqlalchemy.engine import make_url

    from salesloop.service import Runtime

    alpha, beta = pair
    url = make_url(alpha.runtime.settings.database_url)
    database_proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=database_proxy.port).render_as_string(hide_password=False)
    relay_runtime = Runtime(alpha.spec, alpha.runtime.settings.with_overrides(database_url=proxied,
                                                                              relay_poll_seconds=0.05))
    stop = threading.Event()
    database_proxy.cut()  # the database is away before the relay takes its lock
    thread = threading.Thread(target=relay_runtime.relay().run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert alpha.post("/notes", json={"text": "while the relay's database is away"}).status_code == 201
        time.sleep(1.5)
        assert thread.is_alive()  # before the fix: OperationalError out of run(), the process exits
        assert unsent(alpha.runtime) == 1
        database_proxy.restore()
        assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1, timeout=30)
    finally:
        stop.set()
        thread.join(15)
        relay_runtime.database.dispose()
        database_proxy.close()


def test_a_relay_whose_lock_session_is_killed_steps_down_until_it_holds_the_lock_again(pair):
    """The single-relay lock lives as long as the session that took it: when that session
    dies (terminated here, as a database restart or a cut connection would end it) a
    standby may take the lock, so the relay must stop publishing until it holds it again."""
    import zlib

    import psycopg
    from sqlalchemy.engine import make_url

    from salesloop.service import Runtime

    alpha, beta = pair
    key = zlib.crc32(f"relay:{alpha.runtime.settings.service}".encode())
    relay_runtime = Runtime(alpha.spec, alpha.runtime.settings.with_overrides(relay_poll_seconds=0.05,
                                                                              relay_listen_seconds=0.2))
    relay = relay_runtime.relay()
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    conninfo = make_url(alpha.runtime.settings.database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    standby = psycopg.connect(conninfo, autocommit=True)
    admin = psycopg.connect(conninfo, autocommit=True)
    thread.start()
    try:
        alpha.post("/notes", json={"text": "while the relay holds the lock"})
        assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1, timeout=30)
        holder = admin.execute("select pid from pg_locks where locktype = 'advisory' and classid = 0"
                               " and objid = %s and granted", (key,)).fetchone()
        assert holder is not None
        # A standby queues for the lock; it gets it the moment the relay's session ends.
        waiting = threading.Thread(target=lambda: standby.execute("select pg_advisory_lock(%s)", (key,)))
        waiting.start()
        time.sleep(0.3)
        admin.execute("select pg_terminate_backend(%s)", (holder[0],))
        waiting.join(10)
        assert not waiting.is_alive()  # the standby is the lock holder now
        alpha.post("/notes", json={"text": "while another relay holds the lock"})
        time.sleep(2.0)
        assert unsent(alpha.runtime) == 1  # before the fix: published by a relay that no longer held the lock
        assert not relay.heartbeat.state()["ready"]
        standby.execute("select pg_advisory_unlock(%s)", (key,))
        assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 2, timeout=30)
        assert unsent(alpha.runtime) == 0
    finally:
        stop.set()
        thread.join(15)
        standby.close()
        admin.close()
        relay_runtime.database.dispose()
