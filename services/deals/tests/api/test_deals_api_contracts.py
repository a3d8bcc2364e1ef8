"""/deals/{id}/contract and /contracts: drafting, four-eyes review, one signature, the deal won."""
from datetime import datetime, timedelta, timezone


def test_signing_publishes_everything_orders_needs_and_wins_the_deal(api):
    api.harness.deliver("leads.customer.upserted", {
        "customer_id": "cust-1", "name": "云帆科技",
        "contact": {"name": "王丽", "phone": "+8613800138000", "email": "wang.li@yunfan.example"}})
    deal = api.open_deal()["id"]
    approved = api.approved_contract(deal)
    assert (approved["status"], approved["reviewed_by"]) == ("approved", "mgr-1")
    signed = api.ok(api.sign(deal, signatory_title="采购总监"))
    assert (signed["status"], signed["signatory"], signed["signatory_title"]) == ("signed", "王丽", "采购总监")
    assert [h["to_status"] for h in signed["history"]] == ["in_review", "approved", "signed"]

    [event] = api.events("deals.contract.signed")
    assert (event["contract_id"], event["deal_id"], event["customer_id"], event["customer_name"]) == (
        signed["id"], deal, "cust-1", "云帆科技")
    assert (event["rep_id"], event["team"], event["region"], event["approved_by"]) == ("rep-1", "team-1", "east", "mgr-1")
    assert event["items"] == [
        {"product_code": "ERP-LIC", "description": "licence", "quantity": "3", "unit_price": "19.99",
         "discount_pct": "15", "tax_rate_pct": "13", "unit_cost": "8.5", "line_net": "50.97", "line_tax": "6.63",
         "line_gross": "57.60"},
        {"product_code": "CONSULT", "description": "days", "quantity": "2.5", "unit_price": "100",
         "discount_pct": "0", "tax_rate_pct": "6", "unit_cost": None, "line_net": "250.00", "line_tax": "15.00",
         "line_gross": "265.00"}]
    assert (event["net"], event["tax"], event["total_amount"]) == ("300.97", "21.63", "322.60")
    assert (event["currency"], event["fx_rate"], event["company_currency"], event["net_company"]) == (
        "CNY", "1", "CNY", "300.97")
    assert (event["delivery_terms"], event["payment_terms"], event["delivery_address"]) == (
        "DAP Hangzhou", "30% advance, 70% net 30", "杭州市西湖区文三路 90 号")
    assert event["signatory"] == "王丽" and event["lead_id"] is None
    assert event["customer_contact"] == {"name": "王丽", "phone": "+8613800138000", "email": "wang.li@yunfan.example"}

    deal_now = api.ok(api.harness.get(f"/deals/{deal}", **api.REP))
    assert (deal_now["stage"], deal_now["contract_id"], deal_now["amount"], deal_now["probability"]) == (
        "won", signed["id"], "300.97", "100")
    [won] = api.events("deals.deal.won")
    assert (won["contract_id"], won["amount"], won["currency"], won["won_at"]) == (
        signed["id"], "300.97", "CNY", signed["signed_at"])
    kinds = [(e["to_stage"], e["kind"]) for e in api.events("deals.deal.stage_changed")]
    assert kinds == [("proposal", "advance"), ("contract_review", "advance"), ("won", "won")]


def test_a_contract_cannot_be_signed_twice(api):
    deal = api.open_deal()["id"]
    api.approved_contract(deal)
    api.ok(api.sign(deal))
    again = api.sign(deal, signatory="someone else")
    assert again.status_code == 409 and "was already signed" in again.json["detail"]
    assert len(api.events("deals.contract.signed")) == 1 and len(api.events("deals.deal.won")) == 1
    assert api.ok(api.harness.get(f"/deals/{deal}/contract", **api.REP))["signatory"] == "王丽"


def test_signing_needs_an_approval_first(api):
    deal = api.open_deal()["id"]
    api.accepted_proposal(deal)
    api.contract(deal)
    draft = api.sign(deal)
    assert draft.status_code == 409 and draft.json["detail"] == "a draft contract cannot be signed; it must be approved"
    api.step(f"/deals/{deal}/contract/submit")
    assert api.sign(deal).status_code == 409
    assert api.events("deals.contract.signed") == []


def test_a_rep_cannot_approve_and_neither_can_the_deals_owner_or_the_drafter(api):
    deal = api.open_deal()["id"]
    api.accepted_proposal(deal)
    api.contract(deal)
    api.step(f"/deals/{deal}/contract/submit")
    assert api.harness.post(f"/deals/{deal}/contract/approve", **api.REP).status_code == 403
    # A manager who owns the deal (a selling manager) may not wave their own contract through.
    own = api.open_deal(api.MANAGER, owner_rep_id="mgr-1", team="team-1")["id"]
    api.accepted_proposal(own, api.MANAGER)
    api.contract(own, api.MANAGER)
    api.step(f"/deals/{own}/contract/submit", api.MANAGER)
    refused = api.harness.post(f"/deals/{own}/contract/approve", **api.MANAGER)
    assert refused.status_code == 403 and refused.json["detail"] == "the deal's owner cannot review their own contract"
    # A manager who drafted a rep's contract may not approve it either.
    drafted = api.open_deal()["id"]
    api.accepted_proposal(drafted)
    api.contract(drafted, api.MANAGER)
    api.step(f"/deals/{drafted}/contract/submit")
    refused = api.harness.post(f"/deals/{drafted}/contract/approve", **api.MANAGER)
    assert refused.status_code == 403 and refused.json["detail"] == "the contract's drafter cannot review it"
    other = {"role": "manager", "user": "mgr-2", "team": "team-8", "region": "east"}
    assert api.step(f"/deals/{drafted}/contract/approve", other)["reviewed_by"] == "mgr-2"


def test_a_manager_outside_the_region_does_not_see_the_contract(api):
    deal = api.open_deal()["id"]
    api.accepted_proposal(deal)
    api.contract(deal)
    api.step(f"/deals/{deal}/contract/submit")
    assert api.harness.post(f"/deals/{deal}/contract/approve", **api.WEST_MANAGER).status_code == 404


def test_rejected_contracts_are_revised_and_resubmitted(api):
    deal = api.open_deal()["id"]
    api.accepted_proposal(deal)
    api.contract(deal)
    api.step(f"/deals/{deal}/contract/submit")
    no_reason = api.harness.post(f"/deals/{deal}/contract/reject", json={}, **api.MANAGER)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    rejected = api.step(f"/deals/{deal}/contract/reject", api.MANAGER, json={"reason": "payment terms too long"})
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "payment terms too long")
    revised = api.step(f"/deals/{deal}/contract/revise")
    assert (revised["status"], revised["revision"], revised["rejection_reason"]) == ("draft", 2, None)
    amended = api.ok(api.harness.patch(f"/deals/{deal}/contract", json={"payment_terms": "50% advance, 50% net 15",
                                                                        "delivery_address": "宁波市北仑区"}, **api.REP))
    assert (amended["payment_terms"], amended["delivery_address"]) == ("50% advance, 50% net 15", "宁波市北仑区")
    api.step(f"/deals/{deal}/contract/submit")
    assert api.step(f"/deals/{deal}/contract/approve", api.MANAGER)["status"] == "approved"
    history = [(h["from_status"], h["to_status"]) for h in api.ok(api.harness.get(f"/deals/{deal}/contract", **api.REP))["history"]]
    assert history == [("draft", "in_review"), ("in_review", "rejected"), ("rejected", "draft"),
                       ("draft", "in_review"), ("in_review", "approved")]
    amend_late = api.harness.patch(f"/deals/{deal}/contract", json={"payment_terms": "cash"}, **api.REP)
    assert amend_late.status_code == 409


def test_a_contract_needs_an_accepted_proposal_and_there_is_one_per_deal(api):
    deal = api.open_deal()["id"]
    api.proposal(deal)
    body = {"delivery_terms": "EXW", "payment_terms": "net 30", "delivery_date": "2031-01-01",
            "delivery_address": "上海"}
    early = api.harness.post(f"/deals/{deal}/contract", json=body, **api.REP)
    assert early.status_code == 409 and "accept one first" in early.json["detail"]
    api.step(f"/deals/{deal}/proposals/1/send")
    api.step(f"/deals/{deal}/proposals/1/accept")
    first = api.contract(deal)
    assert (first["quote_version"], first["totals"]["gross"], len(first["items"])) == (1, "322.60", 2)
    second = api.harness.post(f"/deals/{deal}/contract", json=body, **api.REP)
    assert second.status_code == 409 and first["id"] in second.json["detail"]
    assert api.count("contracts") == 1


def test_bad_contract_input_is_refused_and_nothing_is_written(api):
    deal = api.open_deal()["id"]
    api.accepted_proposal(deal)
    response = api.harness.post(f"/deals/{deal}/contract", json={"delivery_terms": "", "delivery_date": "soon",
                                                                "penalty": "5%"}, **api.REP)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"delivery_terms", "payment_terms", "delivery_date", "delivery_address",
                                            "penalty"}
    past = api.harness.post(f"/deals/{deal}/contract", json={"delivery_terms": "EXW", "payment_terms": "net 30",
                                                            "delivery_date": "2020-01-01", "delivery_address": "上海"},
                            **api.REP)
    assert past.status_code == 422 and past.json["errors"] == {"delivery_date": ["the delivery date cannot be in the past"]}
    assert api.count("contracts") == 0


def test_bad_signature_input_is_refused_and_nothing_is_published(api):
    deal = api.open_deal()["id"]
    api.approved_contract(deal)
    missing = api.harness.post(f"/deals/{deal}/contract/sign", json={}, **api.REP)
    assert missing.status_code == 422 and missing.json["errors"] == {"signatory": ["Missing data for required field."]}
    naive = api.sign(deal, signed_at="2030-01-01T10:00:00")
    assert naive.status_code == 422 and "signed_at" in naive.json["errors"]
    future = api.sign(deal, signed_at=(datetime.now(timezone.utc) + timedelta(days=1)).isoformat())
    assert future.status_code == 422 and future.json["errors"] == {"signed_at": ["a contract cannot be signed in the future"]}
    assert api.events("deals.contract.signed") == []
    assert api.ok(api.harness.get(f"/deals/{deal}/contract", **api.REP))["status"] == "approved"


def test_a_signature_on_a_lost_deal_is_refused_whole(api):
    deal = api.open_deal()["id"]
    api.approved_contract(deal)
    api.step(f"/deals/{deal}/stage", json={"to_stage": "lost", "reason": "customer went bankrupt"})
    refused = api.sign(deal)
    assert refused.status_code == 409
    assert api.events("deals.contract.signed") == [] and api.events("deals.deal.won") == []
    assert api.ok(api.harness.get(f"/deals/{deal}/contract", **api.REP))["status"] == "approved"


def test_a_foreign_currency_contract_converts_with_the_rate_at_signing(api):
    api.add_rate("USD", "7.0", "2000-01-01T00:00:00+00:00")
    api.add_rate("USD", "7.25", (datetime.now(timezone.utc) - timedelta(days=1)).isoformat())
    deal = api.open_deal(currency="USD", amount="300")["id"]
    api.approved_contract(deal)
    signed = api.ok(api.sign(deal))
    # net 300.97 x 7.25 = 2182.0325 -> 2182.03; gross 322.60 x 7.25 = 2338.85
    assert (signed["fx_rate"], signed["net_company"], signed["gross_company"]) == ("7.25", "2182.03", "2338.85")
    [event] = api.events("deals.contract.signed")
    assert (event["currency"], event["fx_rate"], event["net_company"], event["gross_company"]) == (
        "USD", "7.25", "2182.03", "2338.85")
    backdated = api.open_deal(currency="USD", amount="300")["id"]
    api.approved_contract(backdated)
    earlier = (datetime.now(timezone.utc) - timedelta(days=3))
    # The contract was approved after that date: a signature cannot come before its approval.
    assert api.sign(backdated, signed_at=earlier.isoformat()).status_code == 422


def test_the_review_queue_lists_contracts_by_status_within_scope(api):
    in_review = api.open_deal()["id"]
    api.accepted_proposal(in_review)
    api.contract(in_review)
    api.step(f"/deals/{in_review}/contract/submit")
    draft = api.open_deal(api.OTHER_REP)["id"]
    api.accepted_proposal(draft, api.OTHER_REP)
    api.contract(draft, api.OTHER_REP)
    queue = api.items(api.harness.get("/contracts?status=in_review", **api.MANAGER))
    assert [c["deal_id"] for c in queue] == [in_review]
    everything = api.items(api.harness.get("/contracts?sort=drafted_at", **api.MANAGER))
    assert [c["deal_id"] for c in everything] == [in_review, draft]
    assert api.items(api.harness.get("/contracts", **api.WEST_MANAGER)) == []
    assert [c["deal_id"] for c in api.items(api.harness.get("/contracts", **api.REP))] == [in_review]
