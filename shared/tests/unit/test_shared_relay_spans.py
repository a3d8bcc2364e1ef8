"""The relay's idle polls make no spans; its publishes make one stable PRODUCER span each."""
from __future__ import annotations

from opentelemetry.trace import SpanKind

from demo_service import alpha_spec, app_factory, beta_spec
from salesloop.testing.broker import declare_queues


def test_idle_polls_emit_no_spans_and_a_publish_emits_one_named_span(service_harness, spans):
    alpha = service_harness(alpha_spec(), app_factory, namespace="acme.")
    declare_queues(service_harness(beta_spec(), app_factory, namespace="acme.").runtime)  # someone listens
    relay = alpha.runtime.relay()
    with relay.connect() as connection:
        outlet = relay.outlet(connection)
        spans.clear()
        for _ in range(25):
            assert relay.relay_once(outlet) == 0
        assert spans.get_finished_spans() == ()

        assert alpha.post("/notes", json={"text": "hello"}).status_code == 201
        spans.clear()
        assert relay.relay_once(outlet) == 1
    relayed = spans.get_finished_spans()
    assert [(s.name, s.kind) for s in relayed] == [("salesloop.events publish", SpanKind.PRODUCER)]
    assert relayed[0].attributes["messaging.destination.name"] == "acme.salesloop.events"
