"""/deals: opening, reading, editing and moving deals through the HTTP API."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select


# -- opening ----------------------------------------------------------------------------------
def test_a_rep_opens_a_deal_and_deals_deal_opened_is_published(api):
    deal = api.open_deal(products=["ERP", "CRM"], competitors=["Kingdee"], needs="replace spreadsheets",
                         spin={"situation": "12 plants", "problem": "no shared stock view"})
    assert deal["owner_rep_id"] == "rep-1" and deal["team"] == "team-1" and deal["region"] == "east"
    assert deal["stage"] == "qualification" and deal["probability"] == "10" and deal["grade"] == "C"
    assert deal["title"] == "云帆科技 – ERP, CRM"
    assert deal["amount"] == "100000.00" and deal["currency"] == "CNY"
    assert deal["spin"] == {"situation": "12 plants", "problem": "no shared stock view", "implication": "",
                            "need_payoff": ""}
    assert deal["followup_priority"] == 3
    opened_at = datetime.fromisoformat(deal["opened_at"])
    assert datetime.fromisoformat(deal["followup_due_at"]) - opened_at == timedelta(days=10)  # grade C
    [event] = api.events("deals.deal.opened")
    assert event["deal_id"] == deal["id"] and event["lead_id"] is None and event["lead_captured_at"] is None
    assert (event["rep_id"], event["team"], event["region"]) == ("rep-1", "team-1", "east")
    assert (event["amount"], event["currency"], event["fx_rate"]) == ("100000.00", "CNY", "1")
    assert event["probability"] == "10" and event["products"] == ["ERP", "CRM"] and event["source"] == "manual"


def test_a_deal_may_start_at_a_later_stage(api):
    deal = api.open_deal(stage="negotiation")
    assert (deal["stage"], deal["probability"], deal["grade"], deal["followup_priority"]) == ("negotiation", "60", "B", 2)


def test_a_foreign_currency_needs_a_dated_rate_and_carries_it(api):
    refused = api.harness.post("/deals", json={"customer_id": "c", "customer_name": "ACME", "amount": "5000",
                                               "currency": "USD", "expected_close_date": "2030-01-31"}, **api.REP)
    assert refused.status_code == 422 and "no exchange rate for USD" in refused.json["detail"]
    assert api.count("deals") == 0 and api.events() == []
    api.add_rate("USD", "7.1")
    deal = api.open_deal(amount="5000", currency="USD")
    assert api.events("deals.deal.opened")[0]["fx_rate"] == "7.1"
    assert deal["amount"] == "5000.00"


@pytest.mark.parametrize("body, field, message", [
    ({"amount": "abc"}, "amount", 'Send a decimal as a string of digits, e.g. "1234.50".'),
    ({"amount": "-1"}, "amount", "Must be greater than or equal to 0 and less than or equal to 1000000000000."),
    ({"amount": "1.23456"}, "amount", "Use at most 4 decimal places."),
    ({"currency": "usd"}, "currency", "Use a three-letter ISO 4217 code, e.g. CNY."),
    ({"expected_close_date": "next week"}, "expected_close_date", "Not a valid date."),
    ({"stage": "won"}, "stage", "Must be one of: qualification, needs_analysis, proposal, negotiation, contract_review."),
    ({"colour": "red"}, "colour", "Unknown field."),
    ({"customer_id": None}, "customer_id", "Field may not be null."),
])
def test_bad_input_is_a_422_with_field_messages_and_nothing_is_written(api, body, field, message):
    base = {"customer_id": "cust-1", "customer_name": "ACME", "amount": "10", "currency": "CNY",
            "expected_close_date": "2030-01-31"}
    response = api.harness.post("/deals", json={**base, **body}, **api.REP)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"][field] == [message]
    assert api.count("deals") == 0 and api.count("outbox") == 0


def test_missing_fields_are_each_named(api):
    response = api.harness.post("/deals", json={}, **api.REP)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"customer_id", "amount", "currency", "expected_close_date"}


def test_an_unknown_customer_needs_a_name_but_a_known_one_does_not(api):
    response = api.harness.post("/deals", json={"customer_id": "cust-9", "amount": "1", "currency": "CNY",
                                                "expected_close_date": "2030-01-31"}, **api.REP)
    assert response.status_code == 422
    assert response.json["errors"] == {"customer_name": ["customer cust-9 is not known here yet; give customer_name"]}
    api.harness.deliver("leads.customer.upserted", {"customer_id": "cust-9", "name": "北方重工"})
    response = api.harness.post("/deals", json={"customer_id": "cust-9", "amount": "1", "currency": "CNY",
                                                "expected_close_date": "2030-01-31"}, **api.REP)
    assert response.status_code == 201 and response.json["customer_name"] == "北方重工"


def test_a_rep_cannot_open_a_deal_for_someone_else_but_a_supervisor_can(api):
    response = api.harness.post("/deals", json={"customer_id": "c", "customer_name": "X", "amount": "1",
                                                "currency": "CNY", "expected_close_date": "2030-01-31",
                                                "owner_rep_id": "rep-3"}, **api.REP)
    assert response.status_code == 403
    deal = api.open_deal(api.SUPERVISOR, owner_rep_id="rep-3")
    assert (deal["owner_rep_id"], deal["team"], deal["region"]) == ("rep-3", "team-1", "east")
    outside = api.harness.post("/deals", json={"customer_id": "c", "customer_name": "X", "amount": "1",
                                               "currency": "CNY", "expected_close_date": "2030-01-31",
                                               "owner_rep_id": "rep-9", "team": "team-2"}, **api.SUPERVISOR)
    assert outside.status_code == 403


def test_reading_roles_cannot_write(api):
    response = api.harness.post("/deals", json={}, role="cs_agent", user="cs-1")
    assert response.status_code == 403


# -- visibility -----------------------------------------------------------------------------------
def test_each_person_sees_only_their_scope(api):
    mine = api.open_deal()["id"]
    theirs = api.open_deal(api.OTHER_REP)["id"]
    west = api.open_deal(api.WEST_MANAGER, owner_rep_id="rep-w", team="team-w")["id"]

    def visible(who):
        return {deal["id"] for deal in api.items(api.harness.get("/deals", **who))}

    assert visible(api.REP) == {mine}
    assert visible(api.SUPERVISOR) == {mine}
    assert visible(api.MANAGER) == {mine, theirs}
    assert visible(api.WEST_MANAGER) == {west}
    assert visible(api.OPS) == {mine, theirs, west}
    assert api.harness.get(f"/deals/{theirs}", **api.REP).status_code == 404
    assert api.harness.post(f"/deals/{theirs}/stage", json={"to_stage": "proposal"}, **api.REP).status_code == 404
    assert api.harness.get(f"/deals/{west}", **api.MANAGER).status_code == 404


def test_customer_contact_is_masked_for_roles_without_the_right_and_unmasked_reads_are_audited(api):
    api.harness.deliver("leads.customer.upserted", {
        "customer_id": "cust-1", "name": "云帆科技", "abc_class": "A",
        "contact": {"name": "王丽", "phone": "+8613800138000", "email": "wang.li@yunfan.example"}})
    deal = api.open_deal()
    masked = api.ok(api.harness.get(f"/deals/{deal['id']}", **api.OPS))["customer"]
    assert masked["contact_phone"] == "138****8000" and masked["contact_email"] == "w***@yunfan.example"
    assert masked["masked"] is True and masked["abc_class"] == "A"
    shown = api.ok(api.harness.get(f"/deals/{deal['id']}", **api.MANAGER))["customer"]
    assert shown["contact_phone"] == "+8613800138000" and shown["masked"] is False
    owner = api.ok(api.harness.get(f"/deals/{deal['id']}", **api.REP))["customer"]
    assert owner["contact_email"] == "wang.li@yunfan.example"
    audit = api.harness.spec.metadata.tables["audit_log"]
    with api.harness.runtime.database.session() as session:
        reads = session.execute(select(audit.c.actor).where(audit.c.action == "READ_PII")).scalars().all()
    assert sorted(reads) == ["mgr-1", "rep-1"]


# -- lists ----------------------------------------------------------------------------------------------
def test_lists_filter_sort_and_paginate(api):
    small = api.open_deal(amount="500", customer_name="Alpha 有限公司")["id"]
    large = api.open_deal(amount="90000", customer_name="Beta Ltd", stage="negotiation")["id"]
    middle = api.open_deal(amount="7000", customer_name="Gamma GmbH", stage="contract_review")["id"]

    def ids(query):
        return [deal["id"] for deal in api.items(api.harness.get(f"/deals?{query}", **api.REP))]

    assert ids("sort=amount") == [small, middle, large]
    assert ids("sort=-amount") == [large, middle, small]
    assert ids("stage=negotiation,contract_review&sort=amount") == [middle, large]
    assert ids("grade=A") == [middle]
    assert ids("q=beta") == [large]
    assert ids("sort=followup") == [middle, large, small]  # A first, then B, then C
    page = api.ok(api.harness.get("/deals?sort=amount&page=2&page_size=2", **api.REP))
    assert [deal["id"] for deal in page["items"]] == [large]
    assert (page["page"], page["page_size"], page["total"]) == (2, 2, 3)
    assert api.harness.get("/deals?page=99999999999999999999", **api.REP).status_code == 422
    assert api.harness.get("/deals?sort=colour", **api.REP).status_code == 422


def test_overdue_follow_ups_can_be_listed(api):
    deal = api.open_deal()["id"]
    assert api.items(api.harness.get("/deals?followup_overdue=true", **api.REP)) == []
    from deals.models import DealRow

    with api.harness.runtime.database.session() as session, session.begin():
        session.get(DealRow, deal).followup_due_at = datetime.now(timezone.utc) - timedelta(hours=1)
    [overdue] = api.items(api.harness.get("/deals?followup_overdue=true", **api.REP))
    assert overdue["id"] == deal and overdue["followup_overdue"] is True


# -- stage moves -------------------------------------------------------------------------------------------
def test_moves_forward_and_back_are_kept_in_history_and_published(api):
    deal = api.open_deal()["id"]
    moved = api.step(f"/deals/{deal}/stage", json={"to_stage": "proposal"})
    assert (moved["stage"], moved["probability"], moved["grade"]) == ("proposal", "40", "B")
    back = api.step(f"/deals/{deal}/stage", json={"to_stage": "needs_analysis", "reason": "budget re-scoped"})
    assert back["stage"] == "needs_analysis"
    history = api.ok(api.harness.get(f"/deals/{deal}/history", **api.REP))
    assert [(h["from_stage"], h["to_stage"], h["kind"], h["changed_by"]) for h in history] == [
        ("qualification", "proposal", "advance", "rep-1"), ("proposal", "needs_analysis", "back", "rep-1")]
    assert history[1]["reason"] == "budget re-scoped"
    events = api.events("deals.deal.stage_changed")
    assert [(e["from_stage"], e["to_stage"], e["kind"], e["probability"], e["grade"]) for e in events] == [
        ("qualification", "proposal", "advance", "40", "B"), ("proposal", "needs_analysis", "back", "20", "C")]


def test_won_is_not_a_move_and_a_same_stage_move_is_refused(api):
    deal = api.open_deal()["id"]
    won = api.harness.post(f"/deals/{deal}/stage", json={"to_stage": "won"}, **api.REP)
    assert won.status_code == 422 and "signing its contract" in won.json["errors"]["to_stage"][0]
    same = api.harness.post(f"/deals/{deal}/stage", json={"to_stage": "qualification"}, **api.REP)
    assert same.status_code == 409 and same.json["detail"] == "the deal is already in qualification"


def test_losing_needs_a_reason_and_publishes_deal_lost(api):
    deal = api.open_deal(stage="negotiation")["id"]
    no_reason = api.harness.post(f"/deals/{deal}/stage", json={"to_stage": "lost"}, **api.REP)
    assert no_reason.status_code == 422 and no_reason.json["errors"] == {"reason": ["a lost deal needs a reason"]}
    assert api.events("deals.deal.lost") == []
    lost = api.step(f"/deals/{deal}/stage", json={"to_stage": "lost", "reason": "price", "competitor": "Kingdee"})
    assert (lost["stage"], lost["lost_reason"], lost["lost_to"], lost["probability"]) == ("lost", "price", "Kingdee", "0")
    assert lost["competitors"] == ["Kingdee"] and lost["closed_at"] is not None and lost["followup_due_at"] is None
    [event] = api.events("deals.deal.lost")
    assert (event["reason"], event["competitor"], event["stage"], event["amount"]) == ("price", "Kingdee", "negotiation", "100000.00")
    assert api.events("deals.deal.stage_changed")[-1]["kind"] == "lost"


def test_a_lost_deal_moves_again_only_through_an_explicit_reopen(api):
    deal = api.open_deal()["id"]
    api.step(f"/deals/{deal}/stage", json={"to_stage": "lost", "reason": "no budget"})
    refused = api.harness.post(f"/deals/{deal}/stage", json={"to_stage": "proposal"}, **api.REP)
    assert refused.status_code == 409 and "reopened explicitly" in refused.json["detail"]
    assert api.harness.patch(f"/deals/{deal}", json={"amount": "1"}, **api.REP).status_code == 409
    no_reason = api.harness.post(f"/deals/{deal}/reopen", json={"to_stage": "proposal"}, **api.REP)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    reopened = api.step(f"/deals/{deal}/reopen", json={"to_stage": "proposal", "reason": "budget approved"})
    assert (reopened["stage"], reopened["lost_reason"], reopened["closed_at"]) == ("proposal", None, None)
    assert api.events("deals.deal.stage_changed")[-1]["kind"] == "reopen"


# -- probability ------------------------------------------------------------------------------------------------
def test_the_owner_sets_the_probability_which_sets_the_grade_until_the_next_move(api):
    deal = api.open_deal()["id"]
    set_ = api.ok(api.harness.put(f"/deals/{deal}/probability", json={"probability": "75"}, **api.REP))
    assert (set_["probability"], set_["grade"], set_["probability_overridden"], set_["followup_priority"]) == ("75", "A", True, 1)
    other = api.harness.put(f"/deals/{deal}/probability", json={"probability": "5"}, **api.SUPERVISOR)
    assert other.status_code == 403 and other.json["detail"] == "only the deal's owner can override its win probability"
    assert api.harness.put(f"/deals/{deal}/probability", json={"probability": "101"}, **api.REP).status_code == 422
    moved = api.step(f"/deals/{deal}/stage", json={"to_stage": "needs_analysis"})
    assert (moved["probability"], moved["grade"], moved["probability_overridden"]) == ("20", "C", False)
    api.ok(api.harness.put(f"/deals/{deal}/probability", json={"probability": "50"}, **api.REP))
    cleared = api.ok(api.harness.put(f"/deals/{deal}/probability", json={"probability": None}, **api.REP))
    assert (cleared["probability"], cleared["probability_overridden"]) == ("20", False)


def test_grade_thresholds_and_stage_probabilities_are_configurable(make_api):
    api = make_api(extra={"grade_thresholds": "A=50,B=15", "followup_days": "C=3",
                          "stage_probabilities": "qualification=5,needs_analysis=15,proposal=50,negotiation=70,contract_review=90"})
    deal = api.open_deal()
    assert (deal["probability"], deal["grade"]) == ("5", "C")
    assert datetime.fromisoformat(deal["followup_due_at"]) - datetime.fromisoformat(deal["opened_at"]) == timedelta(days=3)
    moved = api.step(f"/deals/{deal['id']}/stage", json={"to_stage": "needs_analysis"})
    assert (moved["probability"], moved["grade"]) == ("15", "B")
    moved = api.step(f"/deals/{deal['id']}/stage", json={"to_stage": "proposal"})
    assert (moved["probability"], moved["grade"]) == ("50", "A")


# -- edits ------------------------------------------------------------------------------------------------------
def test_an_open_deal_is_edited_field_by_field(api):
    deal = api.open_deal()["id"]
    edited = api.ok(api.harness.patch(f"/deals/{deal}", json={
        "amount": "120000.50", "expected_close_date": "2031-03-31", "goals": "go live in Q2",
        "competitors": ["SAP", "SAP", "Kingdee"], "spin": {"need_payoff": "one stock view saves 2 FTE"}}, **api.REP))
    assert (edited["amount"], edited["expected_close_date"], edited["goals"]) == ("120000.50", "2031-03-31", "go live in Q2")
    assert edited["competitors"] == ["SAP", "Kingdee"] and edited["spin"]["need_payoff"] == "one stock view saves 2 FTE"
    assert api.harness.patch(f"/deals/{deal}", json={}, **api.REP).status_code == 422
    assert api.harness.patch(f"/deals/{deal}", json={"stage": "won"}, **api.REP).json["errors"] == {"stage": ["Unknown field."]}


def test_only_a_leader_reassigns_a_deal_and_only_within_their_scope(api):
    deal = api.open_deal()["id"]
    assert api.harness.patch(f"/deals/{deal}", json={"owner_rep_id": "rep-2"}, **api.REP).status_code == 403
    moved = api.ok(api.harness.patch(f"/deals/{deal}", json={"owner_rep_id": "rep-3"}, **api.SUPERVISOR))
    assert moved["owner_rep_id"] == "rep-3"
    assert api.harness.get(f"/deals/{deal}", **api.REP).status_code == 404
    outside = api.harness.patch(f"/deals/{deal}", json={"region": "west"}, **api.MANAGER)
    assert outside.status_code == 403


def test_a_deal_cannot_be_opened_on_another_teams_customer_or_filed_under_another_team(api):
    """Ids in bodies are checked like ids in URLs (OWASP API1)."""
    api.harness.deliver("leads.customer.upserted", {
        "customer_id": "cust-north", "name": "北方重工", "team": "north-1", "region": "north", "owner_rep_id": "rep-9"})
    refused = api.harness.post("/deals", json={"customer_id": "cust-north", "amount": "1000.00", "currency": "CNY",
                                               "expected_close_date": "2030-01-31"}, **api.REP)
    assert refused.status_code == 422 and refused.json["errors"] == {"customer_id": ["No such customer."]}
    elsewhere = api.harness.post("/deals", json={"customer_id": "cust-new", "customer_name": "新客户",
                                                 "amount": "1000.00", "currency": "CNY", "team": "north-1",
                                                 "expected_close_date": "2030-01-31"}, **api.REP)
    assert elsewhere.status_code == 403
    assert api.harness.get("/deals", role="director", user="dir-1").json["total"] == 0
