"""The loop of DESIGN.md §1, end to end, over HTTP only — on PostgreSQL + RabbitMQ
and on the embedded default (SQLite files + filesystem bus).

Each test is what a client of the system would see: people with roles calling
the five APIs, the storefront publishing on the bus, a customer answering a
link. Between services only events travel, so every cross-service effect is
awaited with a timeout that names what never happened.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import pytest

from e2e_bus import Mailbox, Storefront
from e2e_journey import (
    LOOP_ITEMS,
    capture_lead,
    company_today,
    deliver,
    hire_rep,
    kpi_summary,
    lead_body,
    log_call,
    metric,
    move,
    new_people,
    orders_where,
    qualify_and_convert,
    survey_link,
    surveys_of_order,
    wait,
    wait_for_deal,
    wait_for_order,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def mailbox(stack):
    """The customers' inbox (e-mail/SMS gateway): what the services send them."""
    box = Mailbox(stack, ["service.survey.sent", "service.ticket.sla_breached", "kpi.customer.classified"])
    yield box
    box.delete()


def settled(stack, seconds: float = 1.5) -> None:
    """A short pause before counting "exactly one": a duplicate would need a moment to show."""
    time.sleep(seconds)
    stack.check_alive()


def test_a_lead_travels_the_whole_loop_to_the_kpis_and_its_class_comes_back(stack, mailbox):
    conflicts_before = len(stack.conflicts)
    people = new_people(stack)
    hire_rep(people)

    # 1-2. Captured, graded by explainable rules, assigned to the only rep who serves the region.
    lead = capture_lead(people)
    assert (lead["status"], lead["owner_rep_id"], lead["team"]) == ("assigned", people.rep_id, people.team)
    grading = lead["grading"]
    # need fit 25 + budget ≥ 1 000 000 CNY 25 + purchase within 30 days 20 + trade show 10
    # + 300 staff 6 + one buying word ("报价") 5 = 91 ≥ 60: high
    assert (grading["grade"], grading["score"]) == ("high", 91)
    assert sum(c["points"] for c in grading["contributions"]) == 91
    assert [c["rep_id"] for c in lead["assignment"]["candidates"] if c["eligible"]] == [people.rep_id]
    # A high lead must be followed up within 24 hours of its assignment.
    assert (datetime.fromisoformat(lead["followup_due_at"]) - datetime.fromisoformat(lead["assigned_at"])
            == timedelta(hours=24))
    duplicate = people.supervisor.call("POST", "leads", "/leads", expect=409, json=lead_body(
        people, company="另一家公司", contact={"name": "王伟", "email": lead["contact"]["email"]}))
    assert lead["id"] in str(duplicate.body)

    # 3. Contact logged, qualified, converted: the customer is created and a deal opens.
    call = log_call(people, lead["id"])
    assert call["first_contact"] is True
    conversion = qualify_and_convert(people, lead["id"], expected_amount="240000")
    assert conversion["customer_created"] is True and conversion["lead"]["status"] == "converted"
    customer_id = conversion["customer_id"]
    deal = wait_for_deal(people, lead["id"])
    assert (deal["customer_id"], deal["owner_rep_id"], deal["stage"], deal["amount"], deal["probability"]) == (
        customer_id, people.rep_id, "qualification", "240000.00", "10")

    # 4. Through the stages; the grade follows the probability (A ≥ 70, B ≥ 30).
    moved = move(people, deal["id"], "needs_analysis")
    assert (moved["stage"], moved["probability"], moved["grade"]) == ("needs_analysis", "20", "C")
    proposal = people.rep.post("deals", f"/deals/{deal['id']}/proposals", {
        "currency": "CNY", "valid_until": (company_today() + timedelta(days=30)).isoformat(),
        "items": LOOP_ITEMS}, expect=201)
    assert proposal["totals"] == {"currency": "CNY", "list_amount": "260000.00", "discount": "20000.00",
                                  "net": "240000.00", "tax": "27000.00", "gross": "267000.00"}
    people.rep.post("deals", f"/deals/{deal['id']}/proposals/1/send")
    assert people.rep.get("deals", f"/deals/{deal['id']}")["stage"] == "proposal"  # sending brings it forward
    people.rep.post("deals", f"/deals/{deal['id']}/proposals/1/accept")
    moved = move(people, deal["id"], "negotiation")
    assert (moved["probability"], moved["grade"]) == ("60", "B")

    # 5. The contract: reviewed by a manager of the region (never the owner), then signed.
    people.rep.post("deals", f"/deals/{deal['id']}/contract", {
        "delivery_terms": "DAP Shenzhen", "payment_terms": "30% advance, 70% net 30",
        "delivery_date": (company_today() + timedelta(days=45)).isoformat(),
        "delivery_address": "深圳市南山区科技园 1 号"}, expect=201)
    submitted = people.rep.post("deals", f"/deals/{deal['id']}/contract/submit")
    assert submitted["status"] == "in_review"
    in_review = people.rep.get("deals", f"/deals/{deal['id']}")
    assert (in_review["stage"], in_review["probability"], in_review["grade"]) == ("contract_review", "80", "A")
    people.rep.call("POST", "deals", f"/deals/{deal['id']}/contract/approve", json={}, expect=403)
    approved = people.manager.post("deals", f"/deals/{deal['id']}/contract/approve")
    assert (approved["status"], approved["reviewed_by"]) == ("approved", people.manager.user)
    contract = people.rep.post("deals", f"/deals/{deal['id']}/contract/sign",
                               {"signatory": "王伟", "signatory_title": "采购总监"})
    assert contract["status"] == "signed"
    won = people.rep.get("deals", f"/deals/{deal['id']}")
    assert (won["stage"], won["contract_id"], won["amount"]) == ("won", contract["id"], "240000.00")

    # A signed contract creates exactly one order, booked at the contract's net (step 5 ends here).
    order = wait_for_order(people, contract_id=contract["id"])
    assert (order["origin"], order["customer_id"], order["rep_id"], order["region"]) == (
        "contract", customer_id, people.rep_id, people.region)
    assert (order["total_amount"], order["gross_amount"], order["status"]) == ("240000.00", "267000.00", "created")
    settled(stack)
    assert len(orders_where(people, contract_id=contract["id"])) == 1

    # 7. Confirmed, executed through its planned stages, shipped, delivered.
    delivered = deliver(people, order["id"])
    assert delivered["status"] == "delivered"

    # 8. Delivery creates exactly one survey; the customer answers through the link they were sent.
    link = survey_link(mailbox, order["id"], stack)
    assert link.startswith("https://survey.e2e.example/surveys/")
    token = urlparse(link).path.rsplit("/", 1)[1]
    [survey] = wait(stack, lambda: surveys_of_order(people, order["id"]), f"the survey of order {order['id']}")
    page = people.admin.call("GET", "service-desk", f"/surveys/{token}", auth=False).body
    assert (page["about"], page["order_id"], page["answered"]) == ("order", order["id"], False)
    people.admin.call("POST", "service-desk", f"/surveys/{token}", auth=False, json={
        "csat": 5, "nps": 9, "comment": "交付准时，实施顾问很专业"})
    again = people.admin.call("POST", "service-desk", f"/surveys/{token}", auth=False, expect=409,
                              json={"csat": 1, "nps": 0})
    assert again.status == 409
    settled(stack)
    [answered] = surveys_of_order(people, order["id"])
    assert (answered["id"], answered["csat"], answered["nps"], answered["nps_category"]) == (
        survey["id"], 5, 9, "promoter")
    assert len(mailbox.events("service.survey.sent", order_id=order["id"])) == 1

    # 10. Every event flows into the KPIs: revenue, conversion and CSAT of the rep's day.
    def rep_figures():
        summary = kpi_summary(people, rep=people.rep_id)
        return summary if metric(summary, "csat") is not None and metric(summary, "revenue") != "0.00" else None

    summary = wait(stack, rep_figures, f"the KPIs of {people.rep_id} to show the revenue and the CSAT")
    assert (metric(summary, "revenue"), metric(summary, "orders"), metric(summary, "deals_won")) == (
        "240000.00", "1", "1")
    # Gross profit only where the cost is known: 180000.00 − 50 × 1500 = 105000.00.
    assert metric(summary, "gross_profit") == "105000.00"
    assert float(metric(summary, "csat")) == 5.0
    assert float(metric(summary, "nps")) == 100.0  # one promoter (9), no detractor
    region = kpi_summary(people, region=people.region)
    assert (metric(region, "leads_captured"), metric(region, "leads_converted")) == ("1", "1")
    assert float(metric(region, "lead_conversion_rate")) == 100.0

    # 11. The loop closes: the KPIs class the customer (top trailing revenue: A) and leads hears of it.
    classified = people.ops.post("kpi", "/admin/classify", {"as_of": company_today().isoformat()})
    assert {"customer_id": customer_id, "previous": None, "current": "A"} in classified["changes"]
    assert people.admin.get("kpi", f"/customer-classes/{customer_id}")["abc_class"] == "A"
    wait(stack, lambda: people.rep.get("leads", f"/customers/{customer_id}")["abc_class"] == "A",
         f"customer {customer_id} in leads to carry the class A computed by the KPIs")

    # Last, two checks that name a defect each rather than stop the loop half-way:
    # the lead→deal conversion is also the rep's own figure (the lead was assigned at capture),
    # and one person working alone never races anyone ("concurrent change, try again").
    own = kpi_summary(people, rep=people.rep_id)
    problems = []
    if (metric(own, "leads_captured"), metric(own, "lead_conversion_rate")) != ("1", "100.00"):
        problems.append(f"the rep's KPIs count {metric(own, 'leads_captured')} captured lead(s) and a conversion "
                        f"rate of {metric(own, 'lead_conversion_rate')}; expected 1 and 100.00")
    if stack.conflicts[conflicts_before:]:
        problems.append(f"a lone client was answered 409 concurrent-change: {stack.conflicts[conflicts_before:]}")
    assert not problems, "\n".join(problems)


def test_a_storefront_order_becomes_exactly_one_order_and_counts_in_revenue(stack):
    people = new_people(stack)
    storefront = Storefront(stack)
    sku = f"TEA-{people.tag}".upper()
    order_id = f"SF-{people.tag}"
    data = storefront.order(order_id, f"shopper-{people.tag}", [
        {"sku": sku, "name": "Longjing 250 g", "qty": "2", "unit_price": "88.80"},  # 177.60
        {"sku": f"CUP-{people.tag}", "name": "Cups (6)", "qty": "1", "unit_price": "45.00"},  # 45.00
    ])
    event = storefront.place(data)
    order = wait_for_order(people, storefront_order_id=order_id)
    assert (order["origin"], order["customer_id"], order["rep_id"], order["total_amount"]) == (
        "storefront", f"shopper-{people.tag}", "storefront", "222.60")

    # The storefront re-sends after a lost confirm (same event id), then re-places the order (new id).
    storefront.place(data, event_id=event["id"])
    storefront.place(data)
    settled(stack, 2)
    assert len(orders_where(people, storefront_order_id=order_id)) == 1

    def product_revenue():
        figure = kpi_summary(people, product=sku)["metrics"]["revenue"]
        return figure if figure["value"] not in (None, "0.00") else None

    assert wait(stack, product_revenue, f"the KPIs to count the revenue of product {sku}")["value"] == "177.60"
    customer = wait(stack, lambda: people.admin.get("kpi", "/kpis", params={
        "period": company_today().isoformat(), "product": f"CUP-{people.tag}"})["metrics"]["revenue"]["value"],
        "the second line's revenue")
    assert customer == "45.00"


def _policy_book_with_tiny_urgent_complaints(people) -> dict:
    book = people.admin.get("service-desk", "/sla-policies")
    policies = []
    for policy in book["policies"]:
        policy = {key: policy[key] for key in ("ticket_type", "priority", "first_response_minutes",
                                               "resolution_minutes", "clock", "escalations") if key in policy}
        if (policy["ticket_type"], policy["priority"]) == ("complaint", "urgent"):
            policy.update(first_response_minutes=1, resolution_minutes=60, clock="24x7",
                          escalations=[{"level": 1, "after_breach_minutes": 0, "notify": "supervisor"},
                                       {"level": 2, "after_breach_minutes": 600, "notify": "manager"}])
        policies.append(policy)
    return {"reopen_rule": book.get("reopen_rule", "restart"), "policies": policies}


def test_a_complaint_breaches_its_sla_and_is_escalated_once(stack, mailbox):
    people = new_people(stack)
    # The desk's policy book, with a one-minute first response for urgent complaints, around the clock.
    people.admin.put("service-desk", "/sla-policies", _policy_book_with_tiny_urgent_complaints(people))

    # The customer phoned 55 seconds ago; the agent enters the complaint now, still within the minute.
    received = datetime.now(timezone.utc) - timedelta(seconds=55)
    ticket = people.desk_supervisor.post("service-desk", "/tickets", {
        "type": "complaint", "priority": "urgent", "channel": "phone", "customer_id": f"cust-{people.tag}",
        "subject": "设备无法开机", "description": "The delivered unit does not power on.",
        "received_at": received.isoformat(), "agent_id": people.agent.user,
        "team": f"desk-{people.tag}", "region": people.region}, expect=201)
    first_response = ticket["sla"]["first_response"]
    assert (first_response["allowed_minutes"], first_response["breached"]) == (1, False)
    assert datetime.fromisoformat(first_response["due_at"]) == received + timedelta(minutes=1)

    # Nobody answers: the sweep sees the breach and escalates level 1 to the supervisor, once.
    def escalated():
        detail = people.desk_supervisor.get("service-desk", f"/tickets/{ticket['id']}")
        return detail if detail["escalations"] else None

    detail = wait(stack, escalated, f"ticket {ticket['id']} to breach its first response and escalate", timeout=75)
    assert [(e["target"], e["level"], e["notify"]) for e in detail["escalations"]] == [
        ("first_response", 1, "supervisor")]
    assert detail["sla"]["first_response"]["breached"] is True
    breaches = wait(stack, lambda: mailbox.events("service.ticket.sla_breached", ticket_id=ticket["id"]),
                    "service.ticket.sla_breached on the bus")
    settled(stack, 2)  # the sweep runs every second: a repeated escalation would show now
    breaches = mailbox.events("service.ticket.sla_breached", ticket_id=ticket["id"])
    assert [(b["data"]["target"], b["data"]["level"], b["data"]["escalated_to"]) for b in breaches] == [
        ("first_response", 1, "supervisor")]

    # Answering now is late, and the KPIs count the complaint and its late response.
    responded = people.agent.post("service-desk", f"/tickets/{ticket['id']}/respond", {})
    assert responded["sla"]["first_response"]["met_at"] is not None

    def complaint_figures():
        summary = people.admin.get("kpi", "/kpis", params={"period": company_today().isoformat(),
                                                              "region": people.region})
        timely = summary["metrics"]["complaint_response_timeliness"]
        return summary if timely["denominator"] not in (None, "0", 0) else None

    summary = wait(stack, complaint_figures, f"the KPIs of region {people.region} to count the complaint")
    assert metric(summary, "complaints_opened") == "1"
    assert float(metric(summary, "complaint_response_timeliness")) == 0.0
