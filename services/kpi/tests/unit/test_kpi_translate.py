"""From event data as received to the domain's facts."""
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from kpi.domain import facts as ft
from kpi.readers import UnreadableEvent, to_fact

ENVELOPE_TIME = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


def fact(event_type, data, currency="CNY"):
    return to_fact(event_type, data, event_id="ev-1", fallback_time=ENVELOPE_TIME, company_currency=currency)


def order_data(**changes):
    data = {"order_id": "O1", "customer_id": "C1", "rep_id": "r1", "team": "t1", "region": "east",
            "currency": "USD", "fx_rate": "7.1234", "total_amount": "1000.00", "total_cost": None,
            "items": [{"product_code": "P1", "quantity": "2", "unit_cost": "200.00", "amount": "600.00"},
                      {"product_code": "P2", "quantity": "1", "unit_cost": None, "amount": "400.00"}],
            "occurred_at": "2026-11-10T01:00:00Z"}
    data.update(changes)
    return data


def test_an_order_becomes_lines_with_their_costs_and_the_rate():
    result = fact(ft.ORDER_CREATED, order_data())
    assert result.occurred_at == datetime(2026, 11, 10, 1, 0, tzinfo=timezone.utc)
    assert (result.rep, result.team, result.region, result.customer_id, result.order_id) == (
        "r1", "t1", "east", "C1", "O1")
    assert result.amount.amount == D("1000.00") and result.amount.fx_rate == D("7.1234")
    first, second = result.lines
    assert (first.product, first.amount.amount, first.cost.amount) == ("P1", D("600.00"), D("400.00"))
    assert second.cost is None
    assert result.product_codes == ("P1", "P2")


def test_a_company_currency_amount_needs_no_rate():
    result = fact(ft.ORDER_CREATED, order_data(currency="CNY", fx_rate="1.0000000000"))
    assert result.amount.fx_rate is None and result.lines[0].amount.fx_rate is None


def test_a_foreign_amount_without_rate_cannot_be_counted():
    with pytest.raises(UnreadableEvent, match="USD amount needs fx_rate to CNY"):
        fact(ft.ORDER_CREATED, order_data(fx_rate=None))


def test_lines_that_do_not_add_up_to_the_total_are_refused():
    with pytest.raises(UnreadableEvent, match="lines add up to 1000.00, order total is 999.00"):
        fact(ft.ORDER_CREATED, order_data(total_amount="999.00"))


def test_a_total_is_taken_from_the_lines_when_missing():
    assert fact(ft.ORDER_CREATED, order_data(total_amount=None)).amount.amount == D("1000.00")


def test_a_service_desk_event_names_the_agent_as_rep_and_the_ticket_kind():
    responded = fact(ft.TICKET_RESPONDED, {"ticket_id": "T1", "type": "complaint", "agent_id": "a1",
                                           "team": "cs", "responded_at": "2026-11-02T02:00:00+00:00",
                                           "within_sla": True, "order_id": "O1"})
    assert (responded.rep, responded.ticket_kind, responded.within_sla) == ("a1", "complaint", True)
    breached = fact(ft.TICKET_SLA_BREACHED, {"ticket_id": "T1", "type": "complaint",
                                             "target": "first_response", "within_sla": True})
    assert breached.sla_kind == "first_response" and breached.within_sla is None
    assert breached.occurred_at == ENVELOPE_TIME  # no breached_at: the envelope's time


def test_deal_amounts_probability_and_products():
    opened = fact(ft.DEAL_OPENED, {"deal_id": "D1", "lead_id": "L1", "amount": "10000.00", "currency": "USD",
                                   "fx_rate": "7.10", "probability": "30", "products": ["ERP", "ERP", "CRM"],
                                   "opened_at": "2026-10-10T02:00:00+00:00"})
    assert opened.amount.in_company("CNY") == D("71000.0000")
    assert opened.probability_percent == D(30) and opened.products == ("ERP", "CRM")
    proposal = fact(ft.PROPOSAL_SENT, {"deal_id": "D1", "net": "5.00", "currency": "CNY"})
    assert proposal.amount is None  # a proposal's price is not the deal's amount


def test_leads_surveys_and_activities():
    captured = fact(ft.LEAD_CAPTURED, {"lead_id": "L1", "source": "referral", "product_lines": ["ERP"],
                                       "captured_at": "2026-11-02T04:00:00+08:00", "rep_id": None})
    assert captured.occurred_at == datetime(2026, 11, 1, 20, 0, tzinfo=timezone.utc)
    assert (captured.source, captured.products, captured.rep) == ("referral", ("ERP",), None)
    answered = fact(ft.SURVEY_ANSWERED, {"survey_id": "S1", "csat": 4, "nps": 9, "rep_id": "r1"})
    assert (answered.csat, answered.nps) == (4, 9)
    logged = fact(ft.ACTIVITY_LOGGED, {"activity_id": "A1", "kind": "visit", "rep_id": "r1",
                                       "occurred_at": "2026-11-03T02:00:00Z"})
    assert logged.channel == "visit"


def test_any_other_event_is_a_fact_with_what_it_says_about_who():
    assigned = fact("leads.lead.assigned", {"lead_id": "L1", "rep_id": "r9", "team": "t3", "region": "north",
                                            "assigned_at": "2026-11-02T05:00:00+00:00"})
    assert (assigned.event_type, assigned.rep, assigned.team, assigned.region) == (
        "leads.lead.assigned", "r9", "t3", "north")
    assert assigned.occurred_at == datetime(2026, 11, 2, 5, 0, tzinfo=timezone.utc)
    odd = fact("storefront.order.placed", {"storefront_order_id": 7, "rep_id": 12})
    assert odd.rep is None and odd.occurred_at == ENVELOPE_TIME


def test_bad_values_are_unreadable():
    with pytest.raises(UnreadableEvent, match="total_amount is not a decimal"):
        fact(ft.ORDER_CREATED, order_data(total_amount="lots"))
    with pytest.raises(UnreadableEvent, match="not an RFC 3339 time"):
        fact(ft.LEAD_CAPTURED, {"lead_id": "L1", "captured_at": "yesterday"})
    with pytest.raises(UnreadableEvent, match="CSAT 7 is not 1-5"):
        fact(ft.SURVEY_ANSWERED, {"csat": 7})
    with pytest.raises(UnreadableEvent, match="JSON object"):
        fact(ft.SURVEY_ANSWERED, ["not", "a", "dict"])
