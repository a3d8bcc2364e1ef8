"""Follow-up and lifecycle: activities, first contact, qualification, disqualification, conversion, edits."""
from datetime import datetime, timedelta, timezone

import pytest

CALL = {"kind": "call", "outcome": "connected", "summary": "谈了需求", "next_step": "send a quote"}
REP = {"role": "rep", "user": "rep-1", "team": "team-1", "region": "east"}


@pytest.fixture
def assigned(leads):
    leads.rep("rep-1")
    return leads, leads.capture(budget={"amount": "200000", "currency": "CNY"})


def test_the_first_activity_marks_first_contact_and_sets_the_next_deadline(assigned):
    leads, lead = assigned
    at = datetime.now(timezone.utc) - timedelta(hours=2)
    due = datetime.now(timezone.utc) + timedelta(days=2)
    response = leads.post(f"/leads/{lead['id']}/activities", **REP,
                          json={**CALL, "occurred_at": at.isoformat(), "next_step_due_at": due.isoformat()})
    assert response.status_code == 201 and response.json["first_contact"] is True
    detail = leads.get(f"/leads/{lead['id']}", **REP).json
    assert detail["status"] == "contacted"
    assert datetime.fromisoformat(detail["first_contact_at"]) == at
    assert datetime.fromisoformat(detail["followup_due_at"]) == due
    event = leads.last_event("leads.activity.logged")
    assert (event["lead_id"], event["kind"], event["outcome"], event["first_contact"]) == (
        lead["id"], "call", "connected", True)
    assert (event["rep_id"], event["team"], event["region"]) == ("rep-1", "team-1", "east")
    second = leads.post(f"/leads/{lead['id']}/activities", **REP, json={**CALL, "kind": "visit"})
    assert second.json["first_contact"] is False
    # No next-step time given: the next deadline is the grade's period (medium: 3 days) from the contact.
    detail = leads.get(f"/leads/{lead['id']}", **REP).json
    assert (datetime.fromisoformat(detail["followup_due_at"]) - datetime.fromisoformat(second.json["occurred_at"])
            == timedelta(days=3))
    listed = leads.get(f"/leads/{lead['id']}/activities", **REP).json
    assert [a["kind"] for a in listed] == ["visit", "call"]


def test_activities_are_validated(assigned):
    leads, lead = assigned
    path = f"/leads/{lead['id']}/activities"
    response = leads.post(path, **REP, json={"kind": "fax", "outcome": "connected", "next_step": ""})
    assert response.status_code == 422 and set(response.json["errors"]) == {"kind", "next_step"}
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    response = leads.post(path, **REP, json={**CALL, "occurred_at": future})
    assert response.json["errors"] == {"occurred_at": ["is in the future"]}
    assert leads.count("activities") == 0


def test_contact_cannot_be_logged_on_a_lead_nobody_was_given(leads):
    lead = leads.capture()  # no reps: it waits in the pool
    response = leads.post(f"/leads/{lead['id']}/activities", role="supervisor", json=CALL)
    assert response.status_code == 422 and response.json["detail"] == "assign the lead before logging contact with it"


def test_illegal_transitions_are_409(assigned):
    leads, lead = assigned
    response = leads.post(f"/leads/{lead['id']}/qualify", **REP, json={})
    assert response.status_code == 409
    assert response.json["detail"] == ("a assigned lead cannot become qualified "
                                       "(allowed: assigned, contacted, disqualified)")
    assert leads.post(f"/leads/{lead['id']}/convert", **REP, json={}).status_code == 409
    assert leads.count("customers") == 0
    assert leads.post(f"/leads/{lead['id']}/disqualify", **REP, json={}).json["errors"] == {
        "reason": ["Missing data for required field."]}
    dropped = leads.post(f"/leads/{lead['id']}/disqualify", **REP, json={"reason": "no budget this year"})
    assert dropped.status_code == 200 and dropped.json["status"] == "disqualified"
    event = leads.last_event("leads.lead.disqualified")
    assert (event["reason"], event["rep_id"]) == ("no budget this year", "rep-1")
    final = leads.post(f"/leads/{lead['id']}/activities", **REP, json=CALL)
    assert final.status_code == 422
    again = leads.post(f"/leads/{lead['id']}/disqualify", **REP, json={"reason": "twice"})
    assert again.status_code == 409 and again.json["detail"] == "a disqualified lead is final and cannot become disqualified"
    assert leads.patch(f"/leads/{lead['id']}", **REP, json={"needs": "more"}).status_code == 409


def _qualified(leads, lead):
    leads.post(f"/leads/{lead['id']}/activities", **REP, json=CALL)
    response = leads.post(f"/leads/{lead['id']}/qualify", **REP, json={"note": "budget confirmed"})
    assert response.status_code == 200 and response.json["status"] == "qualified"
    assert leads.last_event("leads.lead.qualified")["lead_id"] == lead["id"]


def test_conversion_creates_the_customer_and_tells_the_deals_service(assigned):
    leads, lead = assigned
    _qualified(leads, lead)
    response = leads.post(f"/leads/{lead['id']}/convert", **REP, json={"category": "smb",
                                                                      "expected_close_date": "2030-06-30"})
    assert response.status_code == 200, response.json
    assert response.json["customer_created"] is True and response.json["lead"]["status"] == "converted"
    customer_id = response.json["customer_id"]
    upserted = leads.last_event("leads.customer.upserted")
    assert upserted["customer_id"] == customer_id and upserted["created"] is True
    assert upserted["name"] == "深圳市腾飞科技有限公司" and upserted["category"] == "smb"
    assert upserted["contact"] == {"name": "王伟", "phone": "+8613800138000", "email": "wang.wei@tengfei.cn"}
    assert (upserted["owner_rep_id"], upserted["team"], upserted["region"]) == ("rep-1", "team-1", "east")
    converted = leads.last_event("leads.lead.converted")
    assert converted["customer_id"] == customer_id and converted["customer_name"] == "深圳市腾飞科技有限公司"
    assert (converted["expected_amount"], converted["currency"], converted["fx_rate"]) == ("200000.0000", "CNY",
                                                                                          "1")
    assert converted["source"] == "web_form" and converted["product_lines"] == ["crm"]
    assert converted["needs"] == "50 seats" and converted["expected_close_date"] == "2030-06-30"
    assert (converted["rep_id"], converted["team"], converted["region"]) == ("rep-1", "team-1", "east")
    types = [event["type"] for event in leads.published()][-2:]
    assert types == ["leads.customer.upserted", "leads.lead.converted"]
    customer = leads.get(f"/customers/{customer_id}", **REP).json
    assert customer["source_lead_id"] == lead["id"] and customer["contacts"][0]["is_primary"] is True
    assert leads.post(f"/leads/{lead['id']}/convert", **REP, json={}).status_code == 409


def test_conversion_links_a_known_customer_and_needs_a_rate_for_a_foreign_amount(assigned):
    leads, lead = assigned
    customer = leads.post("/customers", role="admin", json={
        "name": "Tengfei", "contacts": [{"name": "Wang", "email": "wang.wei@tengfei.cn"}]}).json
    _qualified(leads, lead)
    body = {"expected_amount": "30000", "currency": "USD"}
    no_rate = leads.post(f"/leads/{lead['id']}/convert", **REP, json=body)
    assert no_rate.status_code == 422 and "no exchange rate for USD" in no_rate.json["detail"]
    assert leads.count("leads", status="converted") == 0
    leads.post("/fx-rates", role="admin", json={"currency": "USD", "rate": "7.1", "valid_from": "2020-01-01T00:00:00Z"})
    response = leads.post(f"/leads/{lead['id']}/convert", **REP, json=body)
    assert response.json["customer_id"] == customer["id"] and response.json["customer_created"] is False
    converted = leads.last_event("leads.lead.converted")
    assert (converted["expected_amount"], converted["currency"], converted["fx_rate"]) == ("30000", "USD",
                                                                                          "7.1000000000")
    upserted = leads.last_event("leads.customer.upserted")
    assert upserted["created"] is False and upserted["owner_rep_id"] == "rep-1"
    contacts = leads.get(f"/customers/{customer['id']}", role="admin").json["contacts"]
    assert [c["phone"] for c in contacts] == [None, "+8613800138000"]  # the lead's phone was new to it


def test_an_edit_is_published_and_regrades_the_lead(assigned):
    leads, lead = assigned
    assert lead["grading"]["score"] == 45  # need fit 25 + budget >= 100000: 15 + web form 5
    response = leads.patch(f"/leads/{lead['id']}", **REP, json={"needs": "urgent: send a quotation",
                                                                  "contact": {"phone": "139 1234 5678"}})
    assert response.status_code == 200
    assert response.json["contact"]["phone"] == "+8613912345678"
    # 25 need fit + 15 budget + 5 web form + intent: urgent, quotation (quote does not match inside it) 2 x 5
    assert response.json["grading"]["score"] == 55
    updated = leads.last_event("leads.lead.updated")
    assert updated["changed"] == ["needs", "phone"] and updated["lead_id"] == lead["id"]
    assert leads.last_event("leads.lead.graded")["score"] == 55
    unchanged = leads.patch(f"/leads/{lead['id']}", **REP, json={"needs": "urgent: send a quotation"})
    assert unchanged.status_code == 200 and len(leads.events("leads.lead.updated")) == 1
    bad = leads.patch(f"/leads/{lead['id']}", **REP, json={"contact": {"email": "nope"}, "source": "phone"})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"contact", "source"}


def test_the_lead_history_keeps_every_step(assigned):
    leads, lead = assigned
    _qualified(leads, lead)
    history = leads.get(f"/leads/{lead['id']}/history", **REP).json
    assert [h["action"] for h in history] == ["captured", "graded", "assigned", "activity", "qualified"]
