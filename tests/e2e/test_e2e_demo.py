"""`make demo` (examples/demo.py) against the whole stack on the embedded default.

The stack is this test's own (a temporary folder: SQLite files, the filesystem
bus), started the way `make run` starts it, so the demo's data never mixes with
the other end-to-end tests'. The demo runs twice with the same seed: the second
run meets its own companies and phones again, is answered 409 and draws new
ones, and adds more. Then each service is asked, as a director or an operator
would ask it, whether it holds the data a living system shows.
"""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from salesloop.config import load_settings
from salesloop.web.auth import issue_token

sys.path.insert(0, str(Path(__file__).parent))
from stack import SERVICES, Stack  # noqa: E402

pytestmark = pytest.mark.e2e

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
ORDER_STATES = ("created", "confirmed", "in_fulfilment", "shipped", "delivered", "accepted", "disputed", "settled",
                "cancelled")
DEAL_STAGES = ("qualification", "needs_analysis", "proposal", "negotiation", "contract_review", "won", "lost")
LEAD_SOURCES = ("web_form", "referral", "campaign", "social", "trade_show", "phone", "storefront", "import")


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e-demo")
    databases = {service: f"sqlite:///{workdir / 'db' / (service + '.sqlite3')}" for service in SERVICES}
    stack = Stack(workdir, databases, f"filesystem://{workdir / 'bus'}", f"demo{uuid.uuid4().hex[:8]}.",
                  service_env={"service-desk": {"SERVICE_DESK_SLA_SWEEP_SECONDS": "1"}}, api_workers=1,
                  name="demo")
    try:
        stack.start_all()
        yield stack
    finally:
        stack.stop_all()


def run_demo(stack: Stack, *args: str, timeout: float = 150) -> subprocess.CompletedProcess:
    """`make demo` as a user runs it: the stack's environment (bus, data folder), its URLs."""
    urls = [f"--url={service}={stack.url(service)}" for service in SERVICES]
    return subprocess.run([sys.executable, str(DEMO), *urls, *args], env=stack.env, cwd=stack.workdir,
                          capture_output=True, text=True, timeout=timeout)


class Reader:
    """GETs as a person with a role (a development token, as `make token` gives)."""

    def __init__(self, stack: Stack, role: str):
        self.stack = stack
        self.headers = {"Authorization": f"Bearer {issue_token(load_settings('leads'), f'test-{role}', [role])}"}

    def get(self, service: str, path: str, **params):
        response = requests.get(f"{self.stack.url(service)}{path}", params=params, headers=self.headers, timeout=30)
        assert response.status_code == 200, (path, params, response.text[:500])
        return response

    def total(self, service: str, path: str, **params) -> int:
        return self.get(service, path, page_size=1, **params).json()["total"]

    def all(self, service: str, path: str, **params) -> list:
        found, page = [], 1
        while True:
            body = self.get(service, path, page=page, page_size=100, **params).json()
            rows = body["items"]
            found += rows
            if len(rows) < 100:
                return found
            page += 1


@pytest.fixture(scope="module")
def demo_runs(demo_stack):
    started = time.monotonic()
    first = run_demo(demo_stack, "--leads", "40", "--seed", "7")
    first_took = time.monotonic() - started
    assert first.returncode == 0, f"demo failed:\n{first.stdout[-3000:]}\n{first.stderr[-3000:]}"
    second = run_demo(demo_stack, "--leads", "12", "--seed", "7")
    assert second.returncode == 0, f"second demo run failed:\n{second.stdout[-3000:]}\n{second.stderr[-3000:]}"
    print(f"\n[e2e-demo] first run {first_took:.0f}s\n{first.stdout[-2500:]}")
    return first, second


def test_the_demo_reports_what_it_made_and_where_to_look(demo_stack, demo_runs):
    first, second = demo_runs
    for output in (first.stdout, second.stdout):
        assert "Created in this run:" in output and "Where to look" in output
        assert demo_stack.url("kpi") in output
        # Every URL printed is one curl sends as it is: percent-encoded, plain ASCII.
        printed = [word for line in output.split("Where to look", 1)[1].splitlines() for word in line.split()
                   if word.startswith("http://")]
        assert printed and all(url.isascii() for url in printed), printed
        assert "/faq?q=%E5%8F%91%E7%A5%A8" in output
    # The same seed again: every company and phone of the first run is known, answered 409, redrawn.
    duplicates = next(line for line in second.stdout.splitlines() if "duplicates caught" in line)
    assert int(duplicates.split()[-1]) >= 5, second.stdout


def test_leads_come_from_every_source_and_reach_every_status(demo_stack, demo_runs):
    director = Reader(demo_stack, "director")
    leads = director.all("leads", "/leads")
    assert len(leads) >= 50
    assert {lead["source"] for lead in leads} >= set(LEAD_SOURCES)
    statuses = Counter(lead["status"] for lead in leads)
    assert all(statuses[status] >= 1 for status in ("assigned", "contacted", "qualified", "converted",
                                                    "disqualified")), statuses
    assert any(lead["company"] and any("\u4e00" <= ch <= "\u9fff" for ch in lead["company"]) for lead in leads)
    assert any(lead["company"] and lead["company"].isascii() for lead in leads)
    received = sorted(datetime.fromisoformat(lead["received_at"]) for lead in leads)
    assert (received[-1] - received[0]).days >= 60, "leads should span months"
    assert director.total("leads", "/leads", unassigned="true") >= 1  # west: nobody serves it yet
    assert len(director.get("leads", "/reps", page_size=50).json()["items"]) >= 12


def test_deals_sit_in_every_stage_and_contracts_were_approved_and_signed(demo_stack, demo_runs):
    director = Reader(demo_stack, "director")
    stages = {stage: director.total("deals", "/deals", stage=stage) for stage in DEAL_STAGES}
    assert all(count >= 1 for count in stages.values()), stages
    signed = director.all("deals", "/contracts", status="signed")
    assert signed and all(contract["reviewed_by"] and contract["reviewed_by"] != contract["owner_rep_id"]
                          for contract in signed)
    assert director.total("deals", "/contracts", status="in_review") >= 1


def test_orders_are_in_every_state_from_contracts_the_phone_and_the_storefront(demo_stack, demo_runs):
    ops = Reader(demo_stack, "ops")
    orders = ops.all("orders", "/orders")
    states = Counter(order["status"] for order in orders)
    assert all(states[state] >= 1 for state in ORDER_STATES), states
    origins = Counter(order["origin"] for order in orders)
    assert origins["contract"] >= 3 and origins["storefront"] >= 3 and origins["phone"] >= 6, origins
    # A signed contract makes exactly one order.
    contract_ids = [order["contract_id"] for order in orders if order["contract_id"]]
    assert len(contract_ids) == len(set(contract_ids))


def test_surveys_were_answered_and_tickets_breached_and_interactions_checked(demo_stack, demo_runs):
    admin = Reader(demo_stack, "admin")
    assert admin.total("service-desk", "/surveys", answered="true") >= 3
    tickets = admin.all("service-desk", "/tickets")
    assert {ticket["type"] for ticket in tickets} == {"inquiry", "complaint", "technical"}
    assert {ticket["status"] for ticket in tickets} >= {"open", "in_progress", "waiting_on_customer", "resolved",
                                                        "closed"}
    assert any(ticket["type"] == "complaint" and ticket["sla"]["first_response"]["breached"] for ticket in tickets)
    assert admin.total("service-desk", "/interactions", has_violations="true") >= 2


def test_the_kpis_count_revenue_satisfaction_and_violations(demo_stack, demo_runs):
    director = Reader(demo_stack, "director")
    month = f"{datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m}"
    metrics = director.get("kpi", "/kpis", period=month).json()["metrics"]
    assert float(metrics["revenue"]["value"]) > 0
    assert int(metrics["orders"]["value"]) >= 9
    assert metrics["csat"]["value"] is not None
    assert int(metrics["compliance_violations"]["value"]) >= 2
    assert int(metrics["deals_won"]["value"]) >= 1
