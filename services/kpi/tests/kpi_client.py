"""The KPI service driven as its tests use it: a known data set as the
platform's events, and KpiClient, the steps a test takes (deliver the events,
freeze the clock, run a sweep, read the figures).

The same business as tests/unit/conftest.py (company currency CNY, timezone
Asia/Shanghai, local times below), published as the services publish it. The
expected figures in the tests are worked out by hand from this list; see the
unit tests for the arithmetic of each.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from salesloop.testing.client import ServiceClient
from salesloop.testing.identities import DIRECTOR

SHANGHAI = ZoneInfo("Asia/Shanghai")
R1 = {"rep_id": "r1", "team": "t1", "region": "east"}
R2 = {"rep_id": "r2", "team": "t1", "region": "west"}
R3 = {"rep_id": "r3", "team": "t2", "region": "east"}
A1 = {"agent_id": "a1", "team": "cs", "region": None}
A2 = {"agent_id": "a2", "team": "cs", "region": None}


def utc(local: str) -> str:
    """"2026-11-25 23:30" Shanghai time → the RFC 3339 UTC instant events carry."""
    return datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).astimezone(timezone.utc).isoformat()


def item(product: str, amount: str, unit_cost: str | None, quantity: str = "1") -> dict:
    return {"product_code": product, "description": product, "quantity": quantity,
            "unit_price": amount, "unit_cost": unit_cost, "amount": amount}


def order(kind: str, when: str, order_id: str, customer: str, who: dict, items: list[dict],
          currency: str = "CNY", fx_rate: str = "1") -> tuple[str, dict]:
    total = sum((Decimal(i["amount"]) for i in items), Decimal(0))
    costs = [i["unit_cost"] for i in items]
    total_cost = None if None in costs else str(sum((Decimal(c) for c in costs), Decimal(0)))
    return f"orders.order.{kind}", {
        "order_id": order_id, "order_number": f"SO-{order_id}", "version": 1, "origin": "contract",
        "customer_id": customer, "customer_name": f"客户 {customer}", **who, "currency": currency,
        "fx_rate": fx_rate, "total_amount": str(total), "total_cost": total_cost, "items": items,
        "status": kind, "occurred_at": utc(when)}


def lead(kind: str, when: str, lead_id: str, who: dict, source: str | None) -> tuple[str, dict]:
    field = "captured_at" if kind == "captured" else "converted_at"
    data = {"lead_id": lead_id, **who, "source": source, field: utc(when), "product_lines": []}
    if kind == "converted":
        data.update(customer_id=f"C-{lead_id}", currency="CNY", fx_rate="1", expected_amount=None)
    return f"leads.lead.{kind}", data


def deal(kind: str, when: str, deal_id: str, who: dict, lead_id: str | None = None, amount: str | None = None,
         probability: str | None = None, currency: str = "CNY", fx_rate: str = "1") -> tuple[str, dict]:
    field = {"opened": "opened_at", "stage_changed": "changed_at", "won": "won_at", "lost": "lost_at"}[kind]
    return f"deals.deal.{kind}", {"deal_id": deal_id, "lead_id": lead_id, "customer_id": "C1", **who,
                                  "amount": amount, "currency": currency, "fx_rate": fx_rate,
                                  "probability": probability, field: utc(when)}


def signed(when: str, deal_id: str, who: dict) -> tuple[str, dict]:
    return "deals.contract.signed", {"contract_id": f"K-{deal_id}", "deal_id": deal_id, "lead_id": None,
                                     "customer_id": "C1", **who, "currency": "CNY", "fx_rate": "1",
                                     "net": "100.00", "items": [], "signed_at": utc(when)}


def ticket(kind: str, when: str, ticket_id: str, ticket_type: str, who: dict, **extra) -> tuple[str, dict]:
    field = {"opened": "opened_at", "responded": "responded_at", "sla_breached": "breached_at",
             "resolved": "resolved_at"}[kind]
    data = {"ticket_id": ticket_id, "type": ticket_type, "priority": "p2", "channel": "phone",
            "customer_id": "C1", **who, field: utc(when), **extra}
    return f"service.ticket.{kind}", data


def survey(when: str, who: dict, csat: int, nps: int) -> tuple[str, dict]:
    return "service.survey.answered", {"survey_id": f"S-{when}", "customer_id": "C1", **who, "csat": csat,
                                       "nps": nps, "comment": "好", "answered_at": utc(when)}


def activity(when: str, who: dict, kind: str) -> tuple[str, dict]:
    return "leads.activity.logged", {"activity_id": f"A-{when}", "lead_id": "L1", "customer_id": None, **who,
                                     "kind": kind, "occurred_at": utc(when), "outcome": "ok",
                                     "first_contact": False}


def violation(when: str, who: dict) -> tuple[str, dict]:
    return "service.qa.violation", {"interaction_id": f"I-{when}", **who, "rule_id": "abuse", "category": "abusive",
                                    "severity": "high", "excerpt": "…", "detected_at": utc(when)}


def dataset() -> list[tuple[str, str, dict]]:
    """(event id, type, data) for every event of the data set."""
    events = [
        order("created", "2025-11-15 12:00", "O9", "C1", R1, [item("P1", "8000.00", "5000.00")]),
        order("created", "2026-10-20 10:00", "O5", "C4", R1, [item("P1", "3000.00", "1000.00")]),
        order("cancelled", "2026-11-05 09:00", "O5", "C4", R1, [item("P1", "3000.00", "1000.00")]),
        order("created", "2026-11-03 10:00", "O1", "C1", R1, [item("P1", "10000.00", "6000.00")]),
        order("created", "2026-11-10 09:00", "O2", "C2", R1, [item("P2", "1000.00", "500.00")], "USD", "7.1234"),
        order("created", "2026-11-25 23:30", "O3", "C3", R2,
              [item("P1", "1500.00", None), item("P3", "500.00", None)], "EUR", "7.65"),
        order("created", "2026-11-30 23:59", "O4", "C1", R2, [item("P2", "5000.00", "4000.00")]),
        order("cancelled", "2026-12-02 11:00", "O4", "C1", R2, [item("P2", "5000.00", "4000.00")]),
        order("created", "2026-12-01 00:30", "O6", "C5", R3, [item("P3", "800.00", None)]),
        lead("captured", "2026-09-01 10:00", "L0", R1, "referral"),
        lead("converted", "2026-09-10 10:00", "L0", R1, "referral"),
        lead("captured", "2026-10-01 00:00", "L6", R2, "referral"),
        lead("captured", "2026-11-02 04:00", "L1", R1, "web"),
        lead("captured", "2026-11-04 09:00", "L2", R1, "web"),
        lead("captured", "2026-11-06 09:00", "L3", R2, "referral"),
        lead("captured", "2026-11-20 09:00", "L4", R2, "trade_show"),
        lead("captured", "2026-11-28 09:00", "L5", {"rep_id": "r2", "team": "t1", "region": None}, None),
        lead("converted", "2026-11-05 10:00", "L1", R1, "web"),
        lead("converted", "2026-11-30 10:00", "L2", R1, "web"),
        lead("converted", "2026-12-02 10:00", "L3", R2, "referral"),
        deal("opened", "2026-09-10 10:00", "D0", R1, "L0", "30000.00", "40"),
        signed("2026-11-08 10:00", "D0", R1),
        deal("won", "2026-11-08 10:00", "D0", R1),
        deal("opened", "2026-11-05 10:00", "D1", R1, "L1", "12000.00", "20"),
        signed("2026-11-20 16:00", "D1", R1),
        deal("won", "2026-11-20 16:00", "D1", R1),
        deal("opened", "2026-10-02 10:00", "D4", R2, "L6"),
        signed("2026-11-15 12:00", "D4", R2),
        deal("won", "2026-11-15 12:00", "D4", R2),
        signed("2026-11-22 12:00", "D5", R2),
        deal("lost", "2026-11-12 12:00", "D6", R2),
        deal("opened", "2026-11-30 10:00", "D2", R1, "L2", "20000.00", "20"),
        deal("opened", "2026-10-10 10:00", "D7", R2, None, "10000.00", "30", "USD", "7.10"),
        deal("stage_changed", "2026-11-15 10:00", "D7", R2, None, None, "60", "USD", "7.10"),
        deal("opened", "2026-11-01 10:00", "D8", R2, None, "5000.00", "50"),
        deal("lost", "2026-11-25 10:00", "D8", R2),
        deal("opened", "2026-12-03 10:00", "D9", R1, None, "9999.00", "90"),
        deal("opened", "2026-11-02 10:00", "D10", R1, None, None, "10"),
        activity("2026-11-03 10:00", R1, "call"),
        activity("2026-11-04 10:00", R1, "visit"),
        activity("2026-11-05 10:00", R2, "email"),
        activity("2026-11-30 23:00", R2, "visit"),
        activity("2026-12-01 01:00", R2, "visit"),
        survey("2026-11-06 10:00", R1, 5, 10),
        survey("2026-11-07 10:00", R1, 4, 8),
        survey("2026-11-08 10:00", R2, 2, 3),
        survey("2026-11-09 10:00", R2, 5, 9),
        survey("2026-11-10 10:00", R2, 3, 7),
        ticket("opened", "2026-11-02 09:00", "T1", "complaint", A1),
        ticket("responded", "2026-11-02 10:00", "T1", "complaint", A1, within_sla=True),
        ticket("resolved", "2026-11-04 10:00", "T1", "complaint", A1),
        ticket("opened", "2026-11-10 09:00", "T2", "complaint", A2),
        ticket("sla_breached", "2026-11-10 17:00", "T2", "complaint", A2, target="first_response"),
        ticket("responded", "2026-11-11 09:00", "T2", "complaint", A2),
        ticket("resolved", "2026-12-01 09:00", "T2", "complaint", A2),
        ticket("opened", "2026-11-12 09:00", "T3", "inquiry", A1),
        ticket("responded", "2026-11-14 09:00", "T3", "inquiry", A1, within_sla=False),
        ticket("opened", "2026-10-28 09:00", "T4", "complaint", A1),
        ticket("responded", "2026-11-01 09:00", "T4", "complaint", A1, within_sla=False),
        ticket("resolved", "2026-11-03 09:00", "T4", "complaint", A1),
        ticket("opened", "2026-11-29 09:00", "T5", "complaint", A2),
        violation("2026-11-03 09:00", A1),
        violation("2026-11-13 09:00", A1),
        violation("2026-11-23 09:00", A2),
    ]
    ids = (f"e{n:03d}" for n in itertools.count(1))
    return [(next(ids), event_type, data) for event_type, data in events]


def deliver_all(harness, events=None) -> None:
    for event_id, event_type, data in events or dataset():
        outcome = harness.deliver(event_type, data, event_id=event_id)
        assert outcome.value == "handled", (event_id, event_type, outcome)


class KpiClient(ServiceClient):
    """The KPI service under test; ``harness`` underneath for its database and settings."""

    @property
    def app(self):
        return self.harness.app

    @property
    def runtime(self):
        return self.harness.runtime

    @property
    def settings(self):
        return self.harness.settings

    @property
    def spec(self):
        return self.harness.spec

    def close(self) -> None:
        self.harness.close()

    def envelope(self, event_type: str, data: dict, **envelope_kwargs):
        """The envelope another service would publish (for a test that goes through the broker)."""
        return self.harness.envelope(event_type, data, **envelope_kwargs)

    def deliver_all(self, events=None) -> None:
        """The known data set (or these events), each handled once."""
        deliver_all(self, events)

    def set_clock(self, moment: datetime) -> None:
        """Freeze the API's clock (targets lock once a period is under way)."""
        self.app.extensions["kpi"] = replace(self.app.extensions["kpi"], clock=lambda: moment)

    def run_sweep(self, name: str, now: datetime) -> None:
        """Run one of the worker's sweeps, as the worker would (its own transaction)."""
        [sweep] = [s for s in self.spec.sweeps(self.runtime) if s.name == name]
        unit = self.runtime.uow()
        try:
            sweep.run(unit, now)
            unit.commit()
        finally:
            unit.close()

    def figures(self, query: str, who: dict = DIRECTOR) -> dict:
        """GET /kpis?<query>: every metric of a period for a slice."""
        return self.ok(self.get(f"/kpis?{query}", who=who))
