"""The steps of the loop (DESIGN.md §1) as a sales team takes them, over HTTP only.

Every journey gets its own people: a rep whose only skill is a region of its
own, their supervisor, a manager of that region, so that assignment, scopes and
the KPI slices of one journey never see another's records on a shared stack.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from e2e_client import Client, eventually, items

COMPANY_ZONE = ZoneInfo("Asia/Shanghai")  # the services' default COMPANY_TIMEZONE
EVENT_TIMEOUT = 45.0  # one hop across the bus, with room for a 2-core CI machine under load


def company_today() -> date:
    return datetime.now(COMPANY_ZONE).date()


def in_days(days: int) -> str:
    return (company_today() + timedelta(days=days)).isoformat()


def unique_phone() -> str:
    return f"+86 139 {secrets.randbelow(10**4):04d} {secrets.randbelow(10**4):04d}"


@dataclass
class People:
    """Everyone one journey needs, named after its own region."""

    stack: object
    tag: str
    region: str
    team: str
    rep: Client
    supervisor: Client
    manager: Client
    ops: Client
    admin: Client
    agent: Client
    desk_supervisor: Client

    @property
    def rep_id(self) -> str:
        return self.rep.user


def new_people(stack) -> People:
    tag = uuid.uuid4().hex[:8]
    region, team = f"r-{tag}", f"team-{tag}"
    return People(
        stack=stack, tag=tag, region=region, team=team,
        rep=Client(stack, f"rep-{tag}", "rep", team=team, region=region),
        supervisor=Client(stack, f"sup-{tag}", "supervisor", team=team, region=region),
        # A manager of the region who is neither the deal's owner nor the contract's drafter.
        manager=Client(stack, f"mgr-{tag}", "manager", team=f"mgmt-{tag}", region=region),
        ops=Client(stack, f"ops-{tag}", "ops"),
        admin=Client(stack, f"admin-{tag}", "admin"),
        agent=Client(stack, f"agent-{tag}", "cs_agent", team=f"desk-{tag}", region=region),
        desk_supervisor=Client(stack, f"desksup-{tag}", "supervisor", team=f"desk-{tag}", region=region),
    )


def wait(stack, probe, what: str, timeout: float = EVENT_TIMEOUT, every: float = 0.1):
    return eventually(probe, timeout=timeout, what=what, stack=stack, every=every)


# -- leads ------------------------------------------------------------------------------------------
def hire_rep(people: People, capacity: int = 20) -> dict:
    """The rep serves only the journey's own region: no other journey's lead can reach them."""
    return people.admin.post("leads", "/reps", {
        "id": people.rep_id, "name": f"销售 {people.tag}", "team": people.team, "region": people.region,
        "capacity": capacity, "skills": {"regions": [people.region], "product_lines": [], "industries": []},
    }, expect=201)


def lead_body(people: People, **fields) -> dict:
    """A company of its own each time: the same phone, e-mail or company would be a duplicate."""
    suffix = f"{people.tag}-{secrets.token_hex(3)}"
    return {
        "company": f"深圳市腾飞科技有限公司 {suffix}", "industry": "manufacturing", "region": people.region,
        "company_size": 300,
        "contact": {"name": "王伟", "phone": unique_phone(), "email": f"wang.wei.{suffix}@tengfei.example"},
        "needs": "需要报价: CRM for 50 sales staff", "product_lines": ["crm"], "source": "trade_show",
        "budget": {"amount": "1500000", "currency": "CNY"}, "expected_purchase_by": in_days(20),
        **fields,
    }


def capture_lead(people: People, **fields) -> dict:
    return people.supervisor.post("leads", "/leads", lead_body(people, **fields), expect=201)


def log_call(people: People, lead_id: str) -> dict:
    return people.rep.post("leads", f"/leads/{lead_id}/activities", {
        "kind": "call", "outcome": "interested", "summary": "谈了需求和预算", "next_step": "send a quote",
    }, expect=201)


def qualify_and_convert(people: People, lead_id: str, expected_amount: str = "240000") -> dict:
    people.rep.post("leads", f"/leads/{lead_id}/qualify", {"note": "budget confirmed"})
    return people.rep.post("leads", f"/leads/{lead_id}/convert", {
        "category": "smb", "expected_amount": expected_amount, "currency": "CNY"})


def converted_lead(people: People, expected_amount: str = "240000") -> tuple[dict, dict]:
    """A lead captured, called and converted; returns (lead, conversion)."""
    lead = capture_lead(people)
    log_call(people, lead["id"])
    return lead, qualify_and_convert(people, lead["id"], expected_amount)


# -- deals --------------------------------------------------------------------------------------------
def deals_of_lead(people: People, lead_id: str) -> list[dict]:
    return items(people.rep.get("deals", "/deals", params={"lead_id": lead_id}))


def wait_for_deal(people: People, lead_id: str) -> dict:
    [deal] = wait(people.stack, lambda: deals_of_lead(people, lead_id),
                  f"the deal opened from lead {lead_id} (leads.lead.converted → deals)")
    return deal


LOOP_ITEMS = [
    # 50 × 4000 = 200000 less 10 % = 180000.00 net; 13 % tax 23400.00; cost 50 × 1500 = 75000
    {"product_code": "CRM-LIC", "description": "CRM licence", "quantity": "50", "unit_price": "4000",
     "discount_pct": "10", "tax_rate_pct": "13", "unit_cost": "1500"},
    # 20 × 3000 = 60000.00 net; 6 % tax 3600.00; cost unknown
    {"product_code": "CRM-IMPL", "description": "implementation days", "quantity": "20", "unit_price": "3000",
     "tax_rate_pct": "6"},
]


def move(people: People, deal_id: str, stage: str) -> dict:
    return people.rep.post("deals", f"/deals/{deal_id}/stage", {"to_stage": stage})


def accepted_proposal(people: People, deal_id: str, line_items: list[dict]) -> dict:
    proposal = people.rep.post("deals", f"/deals/{deal_id}/proposals", {
        "currency": "CNY", "valid_until": in_days(30), "items": line_items}, expect=201)
    version = proposal["version"]
    people.rep.post("deals", f"/deals/{deal_id}/proposals/{version}/send")
    people.rep.post("deals", f"/deals/{deal_id}/proposals/{version}/accept")
    return proposal


def approved_contract(people: People, deal_id: str) -> dict:
    people.rep.post("deals", f"/deals/{deal_id}/contract", {
        "delivery_terms": "DAP Shenzhen", "payment_terms": "30% advance, 70% net 30",
        "delivery_date": in_days(45), "delivery_address": "深圳市南山区科技园 1 号"}, expect=201)
    people.rep.post("deals", f"/deals/{deal_id}/contract/submit")
    return people.manager.post("deals", f"/deals/{deal_id}/contract/approve")


def sign(people: People, deal_id: str) -> dict:
    return people.rep.post("deals", f"/deals/{deal_id}/contract/sign",
                           {"signatory": "王伟", "signatory_title": "采购总监"})


def signed_contract(people: People, deal_id: str, line_items: list[dict]) -> dict:
    """Proposal accepted, contract drafted, approved by the region's manager and signed."""
    accepted_proposal(people, deal_id, line_items)
    approved_contract(people, deal_id)
    return sign(people, deal_id)


# -- orders ---------------------------------------------------------------------------------------------
def orders_where(people: People, **filters) -> list[dict]:
    return items(people.ops.get("orders", "/orders", params={**filters, "page_size": 100}))


def wait_for_order(people: People, **key) -> dict:
    [order] = wait(people.stack, lambda: orders_where(people, **key), f"the order for {key}")
    return order


def deliver(people: People, order_id: str) -> dict:
    """Confirmed, planned stages done, shipped and delivered."""
    people.rep.post("orders", f"/orders/{order_id}/confirm")
    for stage in ("purchasing", "production", "packing"):
        people.ops.post("orders", f"/orders/{order_id}/plan/stages/{stage}/complete")
    people.ops.post("orders", f"/orders/{order_id}/ship", {"carrier": "SF Express", "tracking_number": "SF1234567890"})
    return people.ops.post("orders", f"/orders/{order_id}/deliver")


# -- service desk --------------------------------------------------------------------------------------
def surveys_of_order(people: People, order_id: str) -> list[dict]:
    return items(people.admin.get("service-desk", "/surveys", params={"order_id": order_id}))


def survey_link(mailbox, order_id: str, stack) -> str:
    """The single-use link, as the customer receives it (service.survey.sent is its only carrier)."""
    [sent] = wait(stack, lambda: mailbox.events("service.survey.sent", order_id=order_id),
                  f"service.survey.sent for order {order_id}")
    return sent["data"]["answer_url"]


# -- kpi -------------------------------------------------------------------------------------------------
def kpi_summary(people: People, **slice_) -> dict:
    return people.admin.get("kpi", "/kpis", params={"period": company_today().isoformat(), **slice_})


def metric(summary: dict, name: str):
    return summary["metrics"][name]["value"]


def facts(people: People, **filters) -> list[dict]:
    """The KPI fact log (one row per consumed event id), as an operator reads it."""
    return items(people.ops.get("kpi", "/facts", params={**filters, "page_size": 100}))


SMALL_ITEMS = [
    # 3 × 1200 = 3600.00 net, 13 % tax 468.00; cost 3 × 500 = 1500
    {"product_code": "CRM-SEAT", "description": "CRM seat", "quantity": "3", "unit_price": "1200",
     "tax_rate_pct": "13", "unit_cost": "500"},
]


def deal_ready_to_sign(people: People) -> dict:
    """A converted lead's deal with an accepted proposal and an approved contract (3600.00 net)."""
    lead, _ = converted_lead(people, expected_amount="3600")
    deal = wait_for_deal(people, lead["id"])
    accepted_proposal(people, deal["id"], SMALL_ITEMS)
    approved_contract(people, deal["id"])
    return deal
