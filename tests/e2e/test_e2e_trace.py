"""One trace from ``POST /deals/{id}/contract/sign`` to the KPI update (DESIGN.md §5).

The services export their spans with their real OTLP/HTTP exporter, configured
only by ``OTEL_EXPORTER_OTLP_ENDPOINT``, to a receiver inside this test that
decodes the protobuf. The test starts the trace itself (a W3C ``traceparent``
on the request, as an instrumented client would), so the trace id is known and
every hop must be found in it: a hop that loses the context starts a new trace
and the test fails naming it.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from dataclasses import dataclass

import pytest

from e2e_journey import deal_ready_to_sign, hire_rep, new_people, wait, wait_for_order
from otlp import ReceivedSpan
from stack import PG_RABBITMQ

pytestmark = pytest.mark.e2e

ROUTING_KEY = "messaging.rabbitmq.destination.routing_key"
MESSAGE_ID = "messaging.message.id"


@dataclass(frozen=True)
class Hop:
    """One expected span of the trace: who, what kind, and how to recognise it."""

    label: str
    service: str
    kind: str
    routing_key: str | None = None
    name_contains: str | None = None

    def matches(self, span: ReceivedSpan) -> bool:
        return (span.service == self.service and span.kind == self.kind
                and (self.routing_key is None or span.attributes.get(ROUTING_KEY) == self.routing_key)
                and (self.name_contains is None or self.name_contains in span.name))


# The lead-to-cash edges, in order: each hop's span descends from the previous hop's span.
HOPS = (
    Hop("the deals request", "deals", "SERVER", name_contains="/contract/sign"),
    Hop("the deals relay's publish", "deals", "PRODUCER", routing_key="deals.contract.signed"),
    Hop("the orders handler", "orders", "CONSUMER", routing_key="deals.contract.signed"),
    Hop("the order's own publish", "orders", "PRODUCER", routing_key="orders.order.created"),
    Hop("the KPI handler", "kpi", "CONSUMER", routing_key="orders.order.created"),
)


def ancestors(span: ReceivedSpan, by_id: dict[str, ReceivedSpan]) -> list[ReceivedSpan]:
    chain, seen = [], set()
    while span.parent_span_id in by_id and span.parent_span_id not in seen:
        seen.add(span.parent_span_id)
        span = by_id[span.parent_span_id]
        chain.append(span)
    return chain


def continues(previous: ReceivedSpan, span: ReceivedSpan, hop: Hop, by_id: dict) -> bool:
    """Whether ``span`` carries on from ``previous`` the way this kind of hop must."""
    if hop.kind == "CONSUMER":
        # Across the broker the context travels in the AMQP headers: the publish is the direct parent.
        return span.parent_span_id == previous.span_id
    # Within a service the publish descends from the request or the handler (the outbox
    # stores the context), through spans of that service only.
    chain = ancestors(span, by_id)
    return previous in chain and all(link.service == hop.service for link in chain[:chain.index(previous) + 1])


def follow(spans: list[ReceivedSpan], root_span_id: str) -> list[ReceivedSpan]:
    """The longest run of HOPS found as one chain of parent links from the client's span.

    A publish retried after a dropped connection shows up twice; the chain takes
    whichever one the next hop continues."""
    by_id = {span.span_id: span for span in spans}
    best: list[ReceivedSpan] = []

    def extend(chain: list[ReceivedSpan]) -> None:
        nonlocal best
        if len(chain) > len(best):
            best = chain
        if len(chain) == len(HOPS):
            return
        hop = HOPS[len(chain)]
        for span in spans:
            if hop.matches(span) and (span.parent_span_id == root_span_id if not chain
                                      else continues(chain[-1], span, hop, by_id)):
                extend(chain + [span])

    extend([])
    return best


def describe(spans: list[ReceivedSpan]) -> str:
    return "\n".join(f"  {s.service:<12} {s.kind:<9} {s.name:<55} id={s.span_id} parent={s.parent_span_id} "
                     f"key={s.attributes.get(ROUTING_KEY)} message={s.attributes.get(MESSAGE_ID)}" for s in spans
                     if s.kind != "CLIENT")


def missing_hops(otlp, trace_id: str, chain: list[ReceivedSpan]) -> str:
    """For each hop not reached, whether it exists in another trace (the context was lost) or not at all."""
    lines = []
    for hop in HOPS[len(chain):]:
        elsewhere = [s for s in otlp.spans if hop.matches(s) and s.trace_id != trace_id]
        lines.append(f"- {hop.label} ({hop.service} {hop.kind}): "
                     + (f"such spans exist only in other traces ({len(elsewhere)}): was the context lost?"
                        if elsewhere else "no such span received at all"))
    return "\n".join(lines)


@pytest.mark.parametrize("stack", [PG_RABBITMQ], indirect=True)
def test_signing_a_contract_is_one_trace_from_the_request_to_the_kpi_handler(stack, otlp):
    people = new_people(stack)
    hire_rep(people)
    deal = deal_ready_to_sign(people)

    # The client opens the trace: its span is the root, the deals request its child.
    trace_id, client_span = secrets.token_hex(16), secrets.token_hex(8)
    contract = people.rep.post("deals", f"/deals/{deal['id']}/contract/sign", {"signatory": "王伟"},
                               headers={"traceparent": f"00-{trace_id}-{client_span}-01"})
    order = wait_for_order(people, contract_id=contract["id"])

    def whole_chain():
        chain = follow(otlp.trace(trace_id), client_span)
        return chain if len(chain) == len(HOPS) else None

    try:
        chain = wait(stack, whole_chain, f"every hop of trace {trace_id}", timeout=30)
    except AssertionError:
        spans = otlp.trace(trace_id)
        raise AssertionError(f"trace {trace_id} breaks after {len(follow(spans, client_span))} of {len(HOPS)} hops:\n"
                             f"{missing_hops(otlp, trace_id, follow(spans, client_span))}\n"
                             f"spans in the trace:\n{describe(spans)}") from None

    found = {hop.label: span for hop, span in zip(HOPS, chain, strict=False)}
    # The spans name what they carried: the signed contract, then the order it made.
    assert found["the orders handler"].attributes.get(MESSAGE_ID) == found["the deals relay's publish"].attributes.get(
        MESSAGE_ID)
    assert found["the order's own publish"].attributes.get("cloudevents.event_type") == "orders.order.created"
    assert found["the KPI handler"].attributes.get(MESSAGE_ID) == found["the order's own publish"].attributes.get(
        MESSAGE_ID)
    assert {span.trace_id for span in chain} == {trace_id}
    assert order["contract_id"] == contract["id"]


# -- the same trace in the viewer a person opens (`make traces`) ----------------------------------------------
# Phoenix keeps neither the service name nor the span kind it was sent: a hop is known by its name and the
# event it carried, and each hop's span must descend from the one before.
VIEWER_HOPS = (
    ("the deals request", lambda s: "/contract/sign" in s["name"]),
    ("the deals relay's publish", lambda s: s["name"] == "salesloop.events publish"
     and s["attributes"].get(ROUTING_KEY) == "deals.contract.signed"),
    ("the orders handler", lambda s: s["name"] == "orders process"
     and s["attributes"].get(ROUTING_KEY) == "deals.contract.signed"),
    ("the order's own publish", lambda s: s["name"] == "salesloop.events publish"
     and s["attributes"].get(ROUTING_KEY) == "orders.order.created"),
    ("the KPI handler", lambda s: s["name"] == "kpi process"
     and s["attributes"].get(ROUTING_KEY) == "orders.order.created"),
)
DATABASE_CALLS = ("connect", "SELECT", "INSERT", "UPDATE", "BEGIN", "COMMIT")


def viewer_chain(spans: list[dict], trace_id: str) -> list[str]:
    """The hops found in the viewer as one line of descent, by label."""
    mine = [s for s in spans if s["context"]["trace_id"] == trace_id]
    parents = {s["context"]["span_id"]: s.get("parent_id") for s in mine}

    def descends(span: dict, ancestor: dict) -> bool:
        current = span.get("parent_id")
        while current:
            if current == ancestor["context"]["span_id"]:
                return True
            current = parents.get(current)
        return False

    reached, previous = [], None
    for label, matches in VIEWER_HOPS:
        found = next((s for s in mine if matches(s) and (previous is None or descends(s, previous))), None)
        if found is None:
            break
        reached.append(label)
        previous = found
    return reached


def photograph_trace(viewer, trace_id: str):
    """The README's picture of a lead-to-cash trace (var/screenshots/trace-viewer.png)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from salesloop.testing.browser import chromium, screenshot

    with chromium(1400, 900) as driver:
        driver.get(viewer.trace_page(trace_id))
        WebDriverWait(driver, 30).until(lambda d: "kpi process" in d.page_source)
        # The hops, not the SQL under them: the viewer's own search narrows the tree. The
        # search box may render after the spans' names do (seen on a loaded machine).
        search = WebDriverWait(driver, 30).until(
            lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, "input[placeholder='Search trace']")), None))
        search.send_keys("process")
        try:  # a loaded machine's browser may take its time to narrow it; the picture is taken anyway
            WebDriverWait(driver, 30).until(lambda d: "SELECT" not in d.find_element(By.TAG_NAME, "body").text)
        except TimeoutException:
            pass
        return screenshot(driver, "trace-viewer")


@pytest.mark.parametrize("stack", [PG_RABBITMQ], indirect=True)
def test_the_trace_viewer_shows_the_signing_trace_and_no_idle_polls(stack, trace_viewer):
    if trace_viewer is None:
        pytest.skip("the trace viewer is not installed here (make traces-install)")
    started = datetime.now(timezone.utc)
    people = new_people(stack)
    hire_rep(people)
    deal = deal_ready_to_sign(people)
    trace_id, client_span = secrets.token_hex(16), secrets.token_hex(8)
    contract = people.rep.post("deals", f"/deals/{deal['id']}/contract/sign", {"signatory": "李娜"},
                               headers={"traceparent": f"00-{trace_id}-{client_span}-01"})
    wait_for_order(people, contract_id=contract["id"])

    labels = [label for label, _ in VIEWER_HOPS]
    try:
        wait(stack, lambda: viewer_chain(trace_viewer.spans(trace_id=trace_id), trace_id) == labels,
             f"every hop of trace {trace_id} in the viewer", timeout=60, every=1.0)
    except AssertionError:
        reached = viewer_chain(trace_viewer.spans(trace_id=trace_id), trace_id)
        raise AssertionError(f"the viewer shows {reached} of {labels} for trace {trace_id}") from None
    picture = photograph_trace(trace_viewer, trace_id)
    assert picture.stat().st_size > 10_000
    # The relays poll their outboxes several times a second; none of it may reach the viewer.
    idle = [s for s in trace_viewer.spans(since=started) if not s.get("parent_id") and s["name"].startswith(DATABASE_CALLS)]
    assert idle == [], f"{len(idle)} database spans without a parent (idle polls?): " + "; ".join(
        f"{s['name']} {s['attributes'].get('db.statement', '')[:80]}" for s in idle[:15])
