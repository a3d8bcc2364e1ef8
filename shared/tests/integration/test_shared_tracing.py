"""One trace runs from an HTTP request in one service, through the relay's
publish, into the handler of another service and on to that handler's own event."""
import pytest
from opentelemetry.trace import SpanKind

from demo_service import count
from salesloop.testing.broker import consume_until, publish_outbox

pytestmark = pytest.mark.integration


def test_one_trace_spans_request_publish_and_the_consuming_handler(pair, spans):
    alpha, beta = pair
    assert alpha.post("/notes", json={"text": "traced"}).status_code == 201
    publish_outbox(alpha.runtime)
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 1)

    finished = spans.get_finished_spans()
    request = next(s for s in finished if s.kind == SpanKind.SERVER and s.name.startswith("POST"))
    publish = next(s for s in finished if s.kind == SpanKind.PRODUCER)
    process = next(s for s in finished if s.kind == SpanKind.CONSUMER)

    trace_id = request.context.trace_id
    assert publish.context.trace_id == trace_id
    assert process.context.trace_id == trace_id
    assert publish.parent.span_id == request.context.span_id      # the relay continues the request
    assert process.parent.span_id == publish.context.span_id      # the handler continues the publish
    assert publish.attributes["messaging.system"] == "rabbitmq"
    assert publish.attributes["messaging.rabbitmq.destination.routing_key"] == "demo.note.created"
    assert publish.name.endswith(" publish")

    # beta's event, written by the handler, carries the same trace on to the next hop
    import json

    with beta.runtime.database.session() as session:
        from sqlalchemy import text

        headers = json.loads(session.execute(text("select trace_headers from outbox")).scalar())
    assert headers["traceparent"].split("-")[1] == format(trace_id, "032x")


def test_each_message_of_a_batch_keeps_its_own_span_named_by_its_event_id(pair, spans):
    alpha, beta = pair
    for n in range(3):
        assert alpha.post("/notes", json={"text": f"batched {n}"}).status_code == 201
    publish_outbox(alpha.runtime)
    assert consume_until(beta.runtime, lambda: count(beta.runtime, "tallies") == 3)

    finished = spans.get_finished_spans()
    published = {s.attributes["messaging.message.id"]: s for s in finished if s.kind == SpanKind.PRODUCER}
    handled = [s for s in finished if s.kind == SpanKind.CONSUMER and s.name.endswith(" process")]
    assert len(published) == 3
    # One span per message, whether the worker took them one by one or as a batch,
    # each the child of its own publish and named by the event it carried.
    assert sorted(s.attributes.get("messaging.message.id") for s in handled) == sorted(published)
    for span in handled:
        assert span.parent.span_id == published[span.attributes["messaging.message.id"]].context.span_id
