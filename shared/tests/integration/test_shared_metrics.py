"""/metrics tells operations what the alert rules watch: outbox age, queue depth, consumers, dead letters."""
from __future__ import annotations

import re

import pytest
from kombu import Connection, Queue

from salesloop.testing.broker import publish_outbox

pytestmark = pytest.mark.integration


def metric(text: str, name: str, service: str) -> float | None:
    found = re.search(rf'^{name}{{service="{service}"}} (\S+)$', text, re.MULTILINE)
    return None if found is None else float(found.group(1))


def scrape(harness) -> str:
    harness.runtime._queue_stats = (0.0, None)  # no cache between the steps of one test
    return harness.client.get("/metrics").get_data(as_text=True)


def test_outbox_age_queue_depth_and_consumers_are_exported(pair):
    alpha, beta = pair
    before = scrape(beta)
    assert metric(before, "salesloop_outbox_oldest_unsent_age_seconds", "beta") == 0.0
    assert metric(before, "salesloop_queue_depth", "beta") == 0
    assert metric(before, "salesloop_queue_consumers", "beta") == 0
    assert metric(before, "salesloop_dead_letter_depth", "beta") == 0

    assert alpha.post("/notes", json={"text": "hello"}).status_code == 201
    assert metric(scrape(alpha), "salesloop_outbox_oldest_unsent_age_seconds", "alpha") > 0
    publish_outbox(alpha.runtime)
    assert metric(scrape(beta), "salesloop_queue_depth", "beta") == 1

    with Connection(beta.settings.bus_url) as connection:
        queue = Queue(beta.runtime.bus.queue_name, no_declare=True)
        consumer = connection.Consumer(queue, callbacks=[lambda body, message: None], no_ack=False)
        consumer.consume()
        assert metric(scrape(beta), "salesloop_queue_consumers", "beta") == 1
        consumer.cancel()
