"""Events consumed: deals won/lost into purchase history, and KPI classes back into customers."""
from datetime import datetime, timedelta

import pytest

from salesloop.messaging.processor import PermanentFailure


@pytest.fixture
def customer(leads):
    response = leads.post("/customers", role="admin", json={
        "name": "华联", "company": "上海华联", "owner_rep_id": "rep-1", "team": "team-1", "region": "east",
        "contacts": [{"name": "李娜", "phone": "13800138000"}]})
    return response.json


def won(customer_id, deal_id="deal-1", amount="100000.00", currency="CNY", fx_rate="1", at="2024-05-01T08:00:00Z"):
    return {"deal_id": deal_id, "lead_id": None, "customer_id": customer_id, "rep_id": "rep-1", "team": "team-1",
            "region": "east", "amount": amount, "currency": currency, "fx_rate": fx_rate,
            "opened_at": "2024-04-01T00:00:00Z", "won_at": at, "lead_captured_at": None, "contract_id": "c-1",
            "a_future_field": {"ignored": True}}


def history(leads, customer):
    return leads.get(f"/customers/{customer['id']}", role="admin").json["purchase_history"]


def test_won_and_lost_deals_sum_up_per_currency_and_in_the_company_currency(leads, customer):
    assert leads.deliver("deals.deal.won", won(customer["id"])).value == "handled"
    leads.deliver("deals.deal.won", won(customer["id"], "deal-2", "20000", "USD", "7.1", "2024-06-01T00:00:00Z"))
    leads.deliver("deals.deal.lost", {"deal_id": "deal-3", "customer_id": customer["id"], "amount": "5000",
                                      "currency": "CNY", "fx_rate": "1", "reason": "price", "competitor": "X",
                                      "lost_at": "2024-07-01T00:00:00Z"})
    summary = history(leads, customer)
    assert (summary["won_count"], summary["lost_count"]) == (2, 1)
    assert summary["won_totals"] == [{"amount": "100000.0000", "currency": "CNY"},
                                     {"amount": "20000.0000", "currency": "USD"}]
    # 100000 x 1 + 20000 x 7.1 = 242000 CNY
    assert summary["won_total_company"] == {"amount": "242000.0000", "currency": "CNY"}
    assert datetime.fromisoformat(summary["last_deal_at"]) == datetime.fromisoformat("2024-07-01T00:00:00+00:00")


def test_the_same_deal_counts_once_by_event_id_and_by_deal_id(leads, customer):
    envelope = leads.envelope("deals.deal.won", won(customer["id"]))
    assert leads.deliver_envelope(envelope).value == "handled"
    assert leads.deliver_envelope(envelope).value == "duplicate"
    # A producer's retry after a lost confirm: the same deal under a new event id.
    assert leads.deliver("deals.deal.won", won(customer["id"])).value == "handled"
    assert history(leads, customer)["won_count"] == 1
    assert leads.count("customer_deals") == 1


def test_a_deal_for_an_unknown_customer_changes_nothing(leads):
    assert leads.deliver("deals.deal.won", won("nobody")).value == "handled"
    assert leads.count("customer_deals") == 0


def test_a_malformed_event_is_refused_for_the_dead_letter_queue(leads, customer):
    bad = won(customer["id"])
    del bad["amount"]
    with pytest.raises(PermanentFailure, match="amount"):
        leads.deliver("deals.deal.won", bad)
    with pytest.raises(PermanentFailure, match="abc_class"):
        leads.deliver("kpi.customer.classified", {"customer_id": customer["id"], "abc_class": "Z",
                                                  "as_of": "2024-06-30"})


def classified(customer_id, abc_class, as_of):
    return {"customer_id": customer_id, "abc_class": abc_class, "previous_class": None,
            "trailing_revenue": "1000000.00", "currency": "CNY", "as_of": as_of, "thresholds": {"a": "0.8", "b": "0.95"}}


def test_a_classification_updates_the_customer_and_a_stale_one_is_ignored(leads, customer):
    leads.deliver("kpi.customer.classified", classified(customer["id"], "A", "2024-06-30"))
    detail = leads.get(f"/customers/{customer['id']}", role="admin").json
    assert detail["abc_class"] == "A"
    event = leads.last_event("leads.customer.upserted")
    assert event["abc_class"] == "A" and event["created"] is False
    leads.deliver("kpi.customer.classified", classified(customer["id"], "C", "2024-05-31"))
    assert leads.get(f"/customers/{customer['id']}", role="admin").json["abc_class"] == "A"
    leads.deliver("kpi.customer.classified", classified(customer["id"], "B", "2024-07-31T00:00:00Z"))
    assert leads.get(f"/customers/{customer['id']}", role="admin").json["abc_class"] == "B"
    assert [e["abc_class"] for e in leads.events("leads.customer.upserted")] == [None, "A", "B"]


def test_the_class_shortens_the_followup_of_that_customers_new_leads(leads, customer):
    leads.rep("rep-1")
    leads.deliver("kpi.customer.classified", classified(customer["id"], "A", "2024-06-30"))
    lead = leads.capture(contact={"phone": "13800138000"}, source="import", product_lines=[], needs="",
                         record_duplicate=True)
    assert lead["customer_id"] == customer["id"] and lead["grading"]["grade"] == "low"
    # low is 14 days, but an A customer's inquiry is capped at one day
    assert (datetime.fromisoformat(lead["followup_due_at"]) - datetime.fromisoformat(lead["assigned_at"])
            == timedelta(days=1))
