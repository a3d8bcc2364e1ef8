"""The hostile requests that once made the services fail, replayed on PostgreSQL.

Each row is a request an outside fuzzer sent when it got a server error, an invalid
request accepted, or a route open to the wrong token. Every one must now be answered
with the documented client error (RFC 7807 problem+json), never a 5xx and never a 2xx.
The broad run is ``test_contract_fuzz.py``; these are the exact requests, so a
regression names its finding.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from apps import SERVICES, harness_for  # noqa: E402

from salesloop.testing.harness import ServiceHarness  # noqa: E402
from salesloop.testing.servers import throwaway_database  # noqa: E402

pytestmark = pytest.mark.integration

HUGE_PAGE = "?page=99999999999999999999"
NESTED = "[" * 5000 + "]" * 5000


@dataclass(frozen=True)
class Finding:
    service: str
    method: str
    path: str
    statuses: tuple[int, ...]
    body: Any = None
    raw: str | None = None
    role: str | None = "admin"
    roles: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        who = "no token" if self.role is None else ("no role" if self.roles == [] else self.role)
        return f"{self.service} {self.method} {self.path[:60]} as {who}"


REFUSED = (400, 422)
FORBIDDEN = (403,)
FINDINGS = [
    # Integer overflow reaching the database through a page number, on every list.
    *[Finding(service, "GET", f"{path}{HUGE_PAGE}", REFUSED) for service, path in [
        ("leads", "/reps"), ("leads", "/leads"), ("deals", "/deals"), ("deals", "/contracts"),
        ("orders", "/orders"), ("service-desk", "/tickets"), ("service-desk", "/interactions"),
        ("service-desk", "/surveys"), ("kpi", "/facts")]],
    Finding("leads", "POST", "/leads", (400, 413, 422), raw=NESTED),
    Finding("leads", "GET", "/leads/pool?region=%00east&page=-1", REFUSED),
    Finding("orders", "GET", "/orders?status=%01%02&unknown=1", REFUSED),
    Finding("orders", "GET", "/overdue-stages?owner=%01%1b", REFUSED),
    Finding("deals", "GET", "/deals?colour=red", REFUSED),
    Finding("service-desk", "PUT", "/sla-policies", REFUSED, body={"policies": [
        {"type": "complaint", "priority": "high", "response_minutes": 30, "resolution_minutes": 14890387784334}]}),
    # A period at the end of the calendar is odd but valid: an empty sample, not a server error.
    Finding("service-desk", "POST", "/qa/reviews/sample", (201,), body={
        "period_start": "9999-12-31T00:00:00+00:00", "period_end": "9999-12-31T23:59:59.999999+14:00",
        "per_agent": 1, "seed": "Inf"}),
    Finding("service-desk", "POST", "/faq", REFUSED, body={"question": "q?", "answer": "a.", "published": 0}),
    Finding("service-desk", "POST", "/tickets", REFUSED, body={
        "channel": "phone", "customer_id": "c-1", "type": "complaint", "description": "broken\u0000"}),
    Finding("kpi", "GET", "/commission-plans/%00%ff", (400, 404, 422)),
    Finding("kpi", "POST", "/commission-plans/%E2%80%AE%00/assignments", (400, 404, 422),
            body={"subject": "u-1", "kind": "rep", "effective_from": "2026-01-01"}),
    Finding("kpi", "POST", "/admin/rebuild", REFUSED, body={"from": "yesterday", "extra": True}),
    Finding("kpi", "POST", "/admin/classify", REFUSED, body={"as_of": 12}),
    # A public route and its empty phone.
    Finding("leads", "POST", "/leads/web-form", REFUSED, role=None, body={
        "company": "腾飞", "contact": {"name": "王伟", "phone": ""}, "region": "east"}),
    # Function level: personal data and rules closed to the roles that found them open
    # (a rep's own surveys stay open to the rep: scoped to the rep's orders).
    *[Finding("leads", "GET", "/leads/export", FORBIDDEN, role=role, roles=roles)
      for role, roles in [("rep", []), ("storefront", None), ("service", None), ("cs_agent", None)]],
    *[Finding("leads", "GET", "/rules", FORBIDDEN, role=role, roles=roles)
      for role, roles in [("rep", []), ("storefront", None), ("cs_agent", None)]],
    *[Finding("service-desk", "GET", "/surveys", FORBIDDEN, role=role, roles=roles)
      for role, roles in [("rep", []), ("storefront", None), ("service", None)]],
]


@pytest.fixture(scope="module")
def harnesses(postgres_server: str) -> Iterator[dict[str, ServiceHarness]]:
    with ExitStack() as stack:
        opened: dict[str, ServiceHarness] = {}
        for service, package in SERVICES.items():
            url = stack.enter_context(throwaway_database(postgres_server, "hostile"))
            opened[service] = harness_for(package, url)
            stack.callback(opened[service].close)
        yield opened


@pytest.mark.parametrize("finding", FINDINGS, ids=lambda finding: finding.label)
def test_a_hostile_request_gets_its_client_error(harnesses, finding: Finding):
    harness = harnesses[finding.service]
    sent: dict[str, Any] = {"json": finding.body} if finding.body is not None else {}
    if finding.raw is not None:
        sent = {"data": finding.raw, "content_type": "application/json"}
    answer = harness.request(finding.method, finding.path, role=finding.role, roles=finding.roles, **sent)
    assert answer.status_code in finding.statuses, (answer.status_code, answer.get_data(as_text=True)[:400])
    if answer.status_code >= 400:
        assert answer.mimetype == "application/problem+json", answer.mimetype


def test_a_deeply_nested_object_is_refused_before_it_is_parsed(harnesses):
    """The depth cap holds for objects as well as arrays: Python's parser would recurse."""
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    answer = harnesses["leads"].request("POST", "/leads", data=deep, content_type="application/json")
    assert answer.status_code in (400, 413, 422)
    assert answer.mimetype == "application/problem+json"
