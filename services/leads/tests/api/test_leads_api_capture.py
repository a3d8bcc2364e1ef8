"""POST /leads: normalization, validation, duplicates, grading and its configuration."""
from datetime import datetime, timedelta

import pytest


def test_a_capture_is_normalized_graded_and_published_in_order(leads):
    leads.rep("rep-1")
    lead = leads.capture(needs="需要报价, urgent", budget={"amount": "200000", "currency": "CNY"},
                         source="referral", source_detail={"referrer": "cust-42"})
    assert lead["contact"]["phone"] == "+8613800138000"
    assert lead["contact"]["email"] == "wang.wei@tengfei.cn"
    assert lead["status"] == "assigned" and lead["owner_rep_id"] == "rep-1"
    # need fit 25 + budget >= 100000: 15 + referral 15 + two buying signals 2 x 5 = 65 → high (>= 60)
    assert lead["grading"]["score"] == 65 and lead["grading"]["grade"] == "high"
    assert sum(c["points"] for c in lead["grading"]["contributions"]) == 65
    types = [event["type"] for event in leads.published()]
    assert types == ["leads.lead.captured", "leads.lead.graded", "leads.lead.assigned"]
    captured = leads.last_event("leads.lead.captured")
    assert captured["lead_id"] == lead["id"] and captured["rep_id"] is None and captured["team"] is None
    assert captured["source"] == "referral"
    assert captured["source_detail"] == {"campaign_code": None, "referrer": "cust-42"}
    assert captured["company"] == "深圳市腾飞科技有限公司" and captured["product_lines"] == ["crm"]
    assert captured["duplicate_of"] is None
    graded = leads.last_event("leads.lead.graded")
    assert (graded["grade"], graded["score"], graded["ruleset_version"]) == ("high", 65, "default-1")
    assert graded["overridden"] is False
    assert {"rule": "source", "description": "source referral", "points": 15} in graded["contributions"]


@pytest.mark.parametrize("contact, field, message", [
    ({"phone": "12345"}, "phone", "is not a valid phone number"),
    ({"phone": "call me"}, "phone", "is not a phone number"),
    ({"email": "wang@"}, "email", None),
])
def test_an_invalid_phone_or_email_is_a_422_naming_the_field_and_nothing_is_written(leads, contact, field,
                                                                                     message):
    response = leads.post("/leads", json={"company": "Acme", "contact": contact, "source": "phone"}, role="rep")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    messages = response.json["errors"]["contact"][field]
    assert message is None or messages == [message]
    assert leads.count("leads") == 0 and leads.count("outbox") == 0


def test_unknown_fields_floats_and_missing_basics_are_refused_field_by_field(leads):
    response = leads.post("/leads", role="rep", json={
        "contact": {}, "source": "fax", "budget": {"amount": 0.1, "currency": "cny"}, "colour": "red"})
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["colour"] == ["Unknown field."]
    assert errors["source"][0].startswith("Must be one of: web_form")
    assert errors["budget"]["amount"] == ['Send a decimal as a string of digits, e.g. "1234.50".']
    assert errors["budget"]["currency"] == ["Use a three-letter ISO 4217 code such as CNY."]
    response = leads.post("/leads", role="rep", json={"contact": {"name": "x"}, "source": "phone"})
    assert response.json["errors"] == {"company": ["Give the company or the person's name."]}
    response = leads.post("/leads", role="rep", json={"person_name": "李雷", "contact": {"name": "x"},
                                                       "source": "phone"})
    assert response.json["errors"] == {"contact": {"phone": ["Give a phone number or an e-mail address."]}}
    assert leads.count("leads") == 0


def test_a_duplicate_by_a_differently_formatted_phone_is_refused_with_the_existing_id(leads):
    first = leads.capture()
    response = leads.post("/leads", role="rep", json={
        "company": "Another Co", "contact": {"phone": "(0086) 138 0013 8000"}, "source": "phone"})
    assert response.status_code == 409
    assert response.json["existing_id"] == first["id"] and response.json["existing_kind"] == "lead"
    assert response.json["matches"] == [{"kind": "lead", "id": first["id"], "matched_on": ["phone"]}]
    assert leads.count("leads") == 1 and len(leads.events("leads.lead.captured")) == 1


@pytest.mark.parametrize("other", [
    {"company": "x", "contact": {"email": "WANG.WEI@tengfei.CN"}},
    {"company": "深圳市腾飞科技 有限公司", "contact": {"phone": "13900139000"}},
])
def test_duplicates_by_email_or_company_name_are_caught(leads, other):
    first = leads.capture()
    response = leads.post("/leads", role="rep", json={**other, "source": "phone"})
    assert response.status_code == 409 and response.json["existing_id"] == first["id"]


def test_a_duplicate_can_be_recorded_linked_to_the_existing_lead(leads):
    first = leads.capture()
    second = leads.capture(contact={"phone": "13800138000"}, record_duplicate=True)
    assert second["duplicate_of"] == first["id"]
    assert leads.last_event("leads.lead.captured")["duplicate_of"] == first["id"]


def test_a_capture_matching_a_customer_is_refused_or_linked_to_the_customer(leads):
    customer = leads.post("/customers", role="admin", json={
        "name": "腾飞科技", "company": "深圳市腾飞科技有限公司",
        "contacts": [{"name": "王伟", "phone": "13800138000"}]}).json
    response = leads.post("/leads", role="rep", json={"company": "Other", "contact": {"phone": "138 0013 8000"},
                                                       "source": "phone"})
    assert response.status_code == 409
    assert (response.json["existing_kind"], response.json["existing_id"]) == ("customer", customer["id"])
    lead = leads.capture(record_duplicate=True)
    assert lead["customer_id"] == customer["id"] and lead["duplicate_of"] is None


def test_the_public_web_form_takes_leads_without_a_token_and_is_rate_limited(make_leads):
    leads = make_leads(public_rate_limit="2/minute")
    body = {"company": "Acme", "contact": {"email": "a@acme.com"}, "needs": "quote please",
            "campaign_code": "SPRING"}
    first = leads.post("/leads/web-form", json=body, role=None)
    assert first.status_code == 202 and first.json == {"status": "received"}
    # The same person again: recorded as a linked duplicate, never answered with the existing id.
    second = leads.post("/leads/web-form", json=body, role=None)
    assert second.status_code == 202 and "existing_id" not in second.json
    assert leads.post("/leads/web-form", json=body, role=None).status_code == 429
    captured = leads.events("leads.lead.captured")
    assert [c["source"] for c in captured] == ["web_form", "web_form"]
    assert captured[0]["source_detail"]["campaign_code"] == "SPRING"
    assert captured[1]["duplicate_of"] == captured[0]["lead_id"]


def test_a_low_lead_from_an_import_source_scores_nothing(leads):
    lead = leads.capture(source="import", product_lines=[], needs="")
    assert lead["grading"]["score"] == 0 and lead["grading"]["grade"] == "low"
    descriptions = {c["rule"]: c["description"] for c in lead["grading"]["contributions"]}
    assert descriptions["need_fit"] == "no product line of interest stated"
    assert descriptions["budget"] == "no budget stated"


def test_a_budget_in_another_currency_counts_through_the_dated_rate(leads):
    rate = leads.post("/fx-rates", role="admin", json={"currency": "USD", "rate": "7.2",
                                                       "valid_from": "2020-01-01T00:00:00Z"})
    assert rate.status_code == 201
    lead = leads.capture(budget={"amount": "150000", "currency": "USD"}, source="import", product_lines=[])
    # 150000 USD x 7.2 = 1080000 CNY >= 1000000 → 25 points
    [budget] = [c for c in lead["grading"]["contributions"] if c["rule"] == "budget"]
    assert budget["points"] == 25
    assert budget["description"] == "budget 150000 USD = 1080000.0 CNY at rate 7.2 >= 1000000 CNY"


def test_a_supervisor_overrides_a_grade_with_a_reason_and_the_computed_grade_stays(leads):
    lead = leads.capture(source="import", product_lines=[], needs="")
    denied = leads.post(f"/leads/{lead['id']}/grade-override", role="rep", user="rep-1",
                        json={"grade": "high", "reason": "CEO asked"})
    assert denied.status_code == 403
    response = leads.post(f"/leads/{lead['id']}/grade-override", role="supervisor", user="sup-1",
                          json={"grade": "high", "reason": "CEO's personal contact"})
    assert response.status_code == 200
    grading = response.json["grading"]
    assert (grading["grade"], grading["computed_grade"], grading["score"]) == ("high", "low", 0)
    assert grading["override"]["reason"] == "CEO's personal contact" and grading["override"]["by"] == "sup-1"
    event = leads.last_event("leads.lead.graded")
    assert event["overridden"] is True and event["grade"] == "high" and event["computed_grade"] == "low"
    assert event["override_reason"] == "CEO's personal contact"


def test_an_override_on_an_assigned_lead_moves_its_deadline_to_the_new_grade(leads):
    leads.rep("rep-1")
    lead = leads.capture(source="import", product_lines=[], needs="")
    assigned_at = datetime.fromisoformat(lead["assigned_at"])
    assert datetime.fromisoformat(lead["followup_due_at"]) == assigned_at + timedelta(days=14)
    response = leads.post(f"/leads/{lead['id']}/grade-override", role="supervisor",
                          json={"grade": "high", "reason": "strategic account"})
    assert datetime.fromisoformat(response.json["followup_due_at"]) == assigned_at + timedelta(hours=24)


GRADING = {"thresholds": {"high": 20, "medium": 10}, "rules": [
    {"id": "industry", "kind": "industry_fit", "points": 20, "industries": ["Manufacturing"]},
    {"id": "source", "kind": "source", "weights": {"referral": 10}}]}


def test_grading_rules_are_configured_as_versioned_json(leads):
    assert leads.get("/rules/grading", role="rep").status_code == 403  # the rules are for those who run the team
    assert leads.get("/rules/grading", role="supervisor").json["version"] == "default-1"
    assert leads.put("/rules/grading", role="rep", json={"version": "v2", "config": GRADING}).status_code == 403
    response = leads.put("/rules/grading", role="manager", json={"version": "v2", "config": GRADING})
    assert response.status_code == 200 and response.json["default"] is False
    lead = leads.capture(source="web_form")
    assert lead["grading"]["ruleset_version"] == "v2"
    assert lead["grading"]["contributions"] == [
        {"rule": "industry", "description": "target industry manufacturing", "points": 20},
        {"rule": "source", "description": "source web_form", "points": 0}]
    assert lead["grading"]["grade"] == "high"


def test_bad_rules_are_a_422_naming_the_path_and_a_version_cannot_be_rewritten(leads):
    bad = {**GRADING, "rules": [{"id": "size", "kind": "company_size", "tiers": [{"min_employees": -1,
                                                                                  "points": 3}]}]}
    response = leads.put("/rules/grading", role="admin", json={"version": "v3", "config": bad})
    assert response.status_code == 422
    assert response.json["errors"] == {"rules[0].tiers[0].min_employees": ["must be at least 0"]}
    assert leads.put("/rules/grading", role="admin", json={"version": "v3", "config": GRADING}).status_code == 200
    changed = {**GRADING, "thresholds": {"high": 30, "medium": 10}}
    response = leads.put("/rules/grading", role="admin", json={"version": "v3", "config": changed})
    assert response.status_code == 409
    followup = leads.put("/rules/followup", role="admin", json={"version": "f1", "config": {"high_hours": 4}})
    assert followup.json["config"]["high_hours"] == 4 and followup.json["config"]["medium_hours"] == 72


def test_the_web_form_validates_like_the_api_and_writes_nothing_on_bad_input(leads):
    unknown = leads.post("/leads/web-form", json={"company": "Acme", "contact": {"email": "a@acme.com"},
                                                  "source": "referral"}, role=None)
    assert unknown.status_code == 422 and unknown.json["errors"] == {"source": ["Unknown field."]}
    unreachable = leads.post("/leads/web-form", json={"company": "Acme", "contact": {}}, role=None)
    assert unreachable.json["errors"] == {"contact": {"phone": ["Give a phone number or an e-mail address."]}}
    blank = leads.post("/leads/web-form", json={"company": "Acme", "contact": {"phone": None, "email": " "},
                                                "region": ""}, role=None)
    assert blank.status_code == 422, blank.json  # blanks are no contact at all, and no server error
    assert blank.json["errors"] == {"contact": {"phone": ["Give a phone number or an e-mail address."]}}
    assert leads.count("leads") == 0


def test_the_openapi_document_lists_every_resource(leads):
    document = leads.get("/openapi.json", role=None).json
    assert {"/leads", "/leads/import", "/leads/{lead_id}/convert", "/leads/{lead_id}/merge", "/reps",
            "/customers", "/rules/{kind}", "/fx-rates"} <= set(document["paths"])
    upload = document["paths"]["/leads/import"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data", "text/csv"}
