"""The FAQ knowledge base and the versioned SLA policy book."""
import copy

from service_desk.domain.sla_policies import DEFAULT_POLICY_CONFIG
from service_desk_client import AGENT, MANAGER, SUPERVISOR, iso, sh

RETURNS = {"question": "怎么退货？", "answer": "签收后7天内可在订单页申请退货，快递上门取件。", "keywords": ["退货", "return"]}
INVOICE = {"question": "How do I get an invoice?", "answer": "Invoices are e-mailed after delivery.",
           "keywords": ["invoice", "发票"]}


def add(desk, entry):
    response = desk.post("/faq", json=entry, **SUPERVISOR)
    assert response.status_code == 201, response.json
    return response.json["id"]


# -- FAQ --------------------------------------------------------------------------------------------


def test_customers_search_without_signing_in_in_chinese_and_english(desk):
    returns, invoice = add(desk, RETURNS), add(desk, INVOICE)
    found = desk.get("/faq?q=我想退货", role=None)
    assert found.status_code == 200
    assert [(e["id"], e["score"], e["matched_terms"]) for e in found.json["items"]] == [(returns, 3, ["退货"])]
    assert [e["id"] for e in desk.get("/faq?q=invoices", role=None).json["items"]] == [invoice]
    assert [e["id"] for e in desk.get("/faq", role=None).json["items"]] == [returns, invoice]


def test_a_draft_is_hidden_from_the_public_but_not_from_agents(desk):
    draft = add(desk, {**INVOICE, "published": False})
    assert desk.get("/faq?q=invoice", role=None).json["items"] == []
    assert desk.get(f"/faq/{draft}", role=None).status_code == 404
    assert [e["id"] for e in desk.get("/faq?q=invoice", **AGENT).json["items"]] == [draft]
    published = desk.patch(f"/faq/{draft}", json={"published": True}, **SUPERVISOR)
    assert published.json["published"] is True
    assert desk.get(f"/faq/{draft}", role=None).json["question"] == "How do I get an invoice?"


def test_only_supervisors_write_and_bad_entries_are_refused(desk):
    assert desk.post("/faq", json=RETURNS, **AGENT).status_code == 403
    refused = desk.post("/faq", json={"question": "", "answer": "x", "tags": []}, **SUPERVISOR)
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"question", "tags"}
    assert desk.get("/faq", role=None).json["items"] == []


def test_a_boolean_is_true_or_false_not_a_number_and_a_patch_names_a_change(desk):
    refused = desk.post("/faq", json={**RETURNS, "published": 0}, **SUPERVISOR)
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"published"}
    entry = add(desk, {**RETURNS, "published": False})
    assert desk.patch(f"/faq/{entry}", json={}, **SUPERVISOR).status_code == 422
    assert desk.patch("/qa/rules/abusive.en.idiot", json={}, **SUPERVISOR).status_code == 422
    assert desk.get("/faq?published=true&colour=red", **SUPERVISOR).status_code == 422
    assert desk.get("/faq", role=None).json["items"] == []


def test_an_entry_can_be_deleted(desk):
    entry = add(desk, RETURNS)
    assert desk.delete(f"/faq/{entry}", **SUPERVISOR).status_code == 204
    assert desk.get(f"/faq/{entry}", **AGENT).status_code == 404


# -- SLA policy book ------------------------------------------------------------------------------------


def book_with(complaint_normal_first_minutes: int) -> dict:
    book = copy.deepcopy(DEFAULT_POLICY_CONFIG)
    for policy in book["policies"]:
        if (policy["ticket_type"], policy["priority"]) == ("complaint", "normal"):
            policy["first_response_minutes"] = complaint_normal_first_minutes
    return book


def open_complaint(desk):
    response = desk.post("/tickets", json={"type": "complaint", "channel": "email", "customer_id": "C-1",
                                           "description": "late", "received_at": iso(sh(11, 2, 10))}, **AGENT)
    assert response.status_code == 201, response.json
    return response.json


def test_the_default_book_and_the_calendar_are_shown(desk):
    current = desk.get("/sla-policies", **AGENT).json
    assert current["version"] == 1 and current["reopen_rule"] == "restart" and len(current["policies"]) == 12
    assert current["calendar"]["timezone"] == "Asia/Shanghai"
    assert current["calendar"]["working_hours"]["mon"] == [["09:00", "12:00"], ["13:30", "18:00"]]


def test_a_new_version_applies_to_new_tickets_only(desk):
    before = open_complaint(desk)
    replaced = desk.put("/sla-policies", json=book_with(60), **MANAGER)
    assert replaced.status_code == 200, replaced.json
    assert replaced.json["version"] == 2
    after = open_complaint(desk)
    assert after["sla"]["policy_version"] == 2
    assert after["sla"]["first_response"]["due_at"] == "2026-11-02T03:00:00+00:00"  # 11:00, one hour
    kept = desk.get(f"/tickets/{before['id']}", **AGENT).json["sla"]
    assert kept["policy_version"] == 1 and kept["first_response"]["due_at"] == "2026-11-02T04:00:00+00:00"


def test_an_incomplete_or_inconsistent_book_is_refused(desk):
    missing = copy.deepcopy(DEFAULT_POLICY_CONFIG)
    missing["policies"] = missing["policies"][1:]
    refused = desk.put("/sla-policies", json=missing, **MANAGER)
    assert refused.status_code == 422 and "no SLA policy for inquiry/urgent" in refused.json["detail"]
    backwards = book_with(2000)  # first response after the 16 h resolution
    assert desk.put("/sla-policies", json=backwards, **MANAGER).status_code == 422
    typo = book_with(60)
    typo["policies"][0]["first_response_minutes"] = "soon"
    assert "policies" in desk.put("/sla-policies", json=typo, **MANAGER).json["errors"]
    assert desk.get("/sla-policies", **AGENT).json["version"] == 1


def test_only_managers_publish_policies(desk):
    assert desk.put("/sla-policies", json=book_with(60), **SUPERVISOR).status_code == 403
