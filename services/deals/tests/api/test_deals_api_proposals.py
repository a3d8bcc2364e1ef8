"""/deals/{id}/proposals: versions, decimal totals, sending, the customer's answer, expiry."""
from datetime import datetime, timedelta, timezone

from deals.models import ProposalRow


def test_totals_are_decimal_with_discount_and_tax_rounded_per_line(api):
    deal = api.open_deal()["id"]
    proposal = api.proposal(deal)
    first, second = proposal["items"]
    # 3 x 19.99 = 59.97; 15 % off 50.9745 -> 50.97 (discount 9.00); 13 % tax 6.6261 -> 6.63
    assert (first["list_amount"], first["discount"], first["net"], first["tax"], first["gross"]) == (
        "59.97", "9.00", "50.97", "6.63", "57.60")
    # 2.5 x 100.00 = 250.00; 6 % tax 15.00
    assert (second["list_amount"], second["discount"], second["net"], second["tax"], second["gross"]) == (
        "250.00", "0.00", "250.00", "15.00", "265.00")
    assert proposal["totals"] == {"currency": "CNY", "list_amount": "309.97", "discount": "9.00",
                                  "net": "300.97", "tax": "21.63", "gross": "322.60"}
    assert (first["quantity"], first["unit_price"], first["unit_cost"]) == ("3", "19.99", "8.5")
    assert (proposal["version"], proposal["status"], proposal["currency"]) == (1, "draft", "CNY")


def test_a_currency_without_minor_units_rounds_to_whole_units(api):
    api.add_rate("JPY", "0.048")
    deal = api.open_deal(currency="JPY", amount="900000")["id"]
    proposal = api.proposal(deal, items=[{"product_code": "SENSOR", "quantity": "7", "unit_price": "1234.5",
                                          "discount_pct": "10", "tax_rate_pct": "10"}])
    # 7 x 1234.5 = 8641.5 -> 8642; net 7777.35 -> 7777; discount 865; tax 777.7 -> 778; gross 8555
    assert proposal["totals"] == {"currency": "JPY", "list_amount": "8642", "discount": "865", "net": "7777",
                                  "tax": "778", "gross": "8555"}


def test_sending_publishes_the_totals_and_brings_the_deal_to_the_proposal_stage(api):
    deal = api.open_deal()["id"]
    api.proposal(deal)
    sent = api.step(f"/deals/{deal}/proposals/1/send")
    assert sent["status"] == "sent" and sent["sent_at"] is not None
    [event] = api.events("deals.proposal.sent")
    assert (event["deal_id"], event["version"], event["proposal_id"]) == (deal, 1, sent["id"])
    assert (event["net"], event["tax"], event["gross"], event["currency"], event["fx_rate"]) == (
        "300.97", "21.63", "322.60", "CNY", "1")
    assert (event["rep_id"], event["team"], event["region"]) == ("rep-1", "team-1", "east")
    [move] = api.events("deals.deal.stage_changed")
    assert (move["from_stage"], move["to_stage"], move["reason"]) == ("qualification", "proposal", "proposal v1 sent")
    assert api.ok(api.harness.get(f"/deals/{deal}", **api.REP))["stage"] == "proposal"


def test_sending_never_moves_a_deal_backwards(api):
    deal = api.open_deal(stage="negotiation")["id"]
    api.proposal(deal)
    api.step(f"/deals/{deal}/proposals/1/send")
    assert api.events("deals.deal.stage_changed") == []
    assert api.ok(api.harness.get(f"/deals/{deal}", **api.REP))["stage"] == "negotiation"


def test_versions_follow_each_other_and_copy_the_previous_items(api):
    deal = api.open_deal()["id"]
    api.proposal(deal)
    while_draft = api.harness.post(f"/deals/{deal}/proposals", json={"valid_until": "2031-01-01"}, **api.REP)
    assert while_draft.status_code == 409 and "still a draft" in while_draft.json["detail"]
    api.step(f"/deals/{deal}/proposals/1/send")
    edit_sent = api.harness.patch(f"/deals/{deal}/proposals/1", json={"notes": "x"}, **api.REP)
    assert edit_sent.status_code == 409
    second = api.ok(api.harness.post(f"/deals/{deal}/proposals",
                                     json={"valid_until": (api.today() + timedelta(days=20)).isoformat()},
                                     **api.REP), 201)
    assert second["version"] == 2 and second["totals"]["gross"] == "322.60"
    edited = api.ok(api.harness.patch(f"/deals/{deal}/proposals/2", json={"items": [
        {"product_code": "ERP-LIC", "quantity": "3", "unit_price": "19.99", "discount_pct": "20",
         "tax_rate_pct": "13"}]}, **api.REP))
    # 59.97 x 0.8 = 47.976 -> 47.98; tax 6.2374 -> 6.24
    assert edited["totals"] == {"currency": "CNY", "list_amount": "59.97", "discount": "11.99", "net": "47.98",
                                "tax": "6.24", "gross": "54.22"}
    versions = api.ok(api.harness.get(f"/deals/{deal}/proposals", **api.REP))
    assert [(p["version"], p["status"]) for p in versions] == [(1, "sent"), (2, "draft")]
    assert len(api.ok(api.harness.get(f"/deals/{deal}/proposals/1", **api.REP))["items"]) == 2


def test_one_accepted_version_per_deal_and_then_no_new_version(api):
    deal = api.open_deal()["id"]
    api.proposal(deal)
    api.step(f"/deals/{deal}/proposals/1/send")
    api.proposal(deal)
    api.step(f"/deals/{deal}/proposals/2/send")
    accepted = api.step(f"/deals/{deal}/proposals/2/accept")
    assert accepted["status"] == "accepted"
    again = api.harness.post(f"/deals/{deal}/proposals/1/accept", **api.REP)
    assert again.status_code == 409 and again.json["detail"] == f"deal {deal} already accepted proposal version 2"
    more = api.harness.post(f"/deals/{deal}/proposals", json={"valid_until": "2031-01-01"}, **api.REP)
    assert more.status_code == 409 and "no new version" in more.json["detail"]


def test_a_draft_cannot_be_accepted_and_a_rejection_keeps_its_reason(api):
    deal = api.open_deal()["id"]
    api.proposal(deal)
    assert api.harness.post(f"/deals/{deal}/proposals/1/accept", **api.REP).status_code == 409
    api.step(f"/deals/{deal}/proposals/1/send")
    rejected = api.step(f"/deals/{deal}/proposals/1/reject", json={"reason": "too expensive"})
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "too expensive")
    assert api.harness.post(f"/deals/{deal}/proposals/9/send", **api.REP).status_code == 404


def test_a_proposal_past_its_date_cannot_be_sent_or_accepted(api):
    deal = api.open_deal()["id"]
    api.proposal(deal, valid_until=(api.today() - timedelta(days=1)).isoformat())
    late = api.harness.post(f"/deals/{deal}/proposals/1/send", **api.REP)
    assert late.status_code == 422 and "valid_until" in late.json["errors"]
    api.ok(api.harness.patch(f"/deals/{deal}/proposals/1",
                             json={"valid_until": (api.today() + timedelta(days=3)).isoformat()}, **api.REP))
    api.step(f"/deals/{deal}/proposals/1/send")
    with api.harness.runtime.database.session() as session, session.begin():
        session.query(ProposalRow).one().valid_until = api.today() - timedelta(days=2)
    expired = api.harness.post(f"/deals/{deal}/proposals/1/accept", **api.REP)
    assert expired.status_code == 409 and "send a new version instead" in expired.json["detail"]


def test_the_sweep_expires_sent_proposals_past_their_date_only(api):
    deal = api.open_deal()["id"]
    api.proposal(deal, valid_until=api.today().isoformat())
    api.step(f"/deals/{deal}/proposals/1/send")
    other = api.open_deal()["id"]
    api.proposal(other, valid_until=(api.today() + timedelta(days=10)).isoformat())
    api.step(f"/deals/{other}/proposals/1/send")
    api.harness.run_sweeps(datetime.now(timezone.utc) + timedelta(days=2))
    assert api.ok(api.harness.get(f"/deals/{deal}/proposals/1", **api.REP))["status"] == "expired"
    assert api.ok(api.harness.get(f"/deals/{other}/proposals/1", **api.REP))["status"] == "sent"


def test_bad_line_items_are_refused_field_by_field_and_nothing_is_written(api):
    deal = api.open_deal()["id"]
    outbox_before = api.count("outbox")
    response = api.harness.post(f"/deals/{deal}/proposals", json={"valid_until": "2031-01-01", "items": [
        {"product_code": "A", "quantity": "0", "unit_price": "1"},
        {"product_code": "", "quantity": "1", "unit_price": "1", "discount_pct": "120", "size": "XL"},
    ]}, **api.REP)
    assert response.status_code == 422
    errors = response.json["errors"]["items"]
    assert errors["0"] == {"quantity": ["Must be greater than 0 and less than or equal to 1000000000000."]}
    assert set(errors["1"]) == {"product_code", "discount_pct", "size"}
    assert api.count("proposals") == 0 and api.count("proposal_items") == 0 and api.count("outbox") == outbox_before


def test_the_first_version_takes_the_deals_currency_and_a_change_needs_new_items(api):
    api.add_rate("USD", "7.2")
    deal = api.open_deal()["id"]
    api.proposal(deal)
    api.step(f"/deals/{deal}/proposals/1/send")
    no_items = api.harness.post(f"/deals/{deal}/proposals", json={"valid_until": "2031-01-01", "currency": "USD"},
                                **api.REP)
    assert no_items.status_code == 422 and no_items.json["errors"] == {"items": ["changing the currency needs new line items"]}
    usd = api.proposal(deal, currency="USD", items=[{"product_code": "X", "quantity": "1", "unit_price": "10"}])
    assert usd["currency"] == "USD" and usd["totals"]["gross"] == "10.00"
    eur = api.harness.post(f"/deals/{deal}/proposals", json={"valid_until": "2031-01-01", "currency": "EUR",
                                                            "items": api.ITEMS}, **api.REP)
    assert eur.status_code == 409  # v3 while v2 is a draft comes first
    api.step(f"/deals/{deal}/proposals/2/send")
    assert api.events("deals.proposal.sent")[-1]["fx_rate"] == "7.2"


def test_proposals_need_an_open_deal_you_can_see(api):
    deal = api.open_deal()["id"]
    assert api.harness.post(f"/deals/{deal}/proposals", json={"valid_until": "2031-01-01"},
                            **api.OTHER_REP).status_code == 404
    api.step(f"/deals/{deal}/stage", json={"to_stage": "lost", "reason": "no budget"})
    closed = api.harness.post(f"/deals/{deal}/proposals", json={"valid_until": "2031-01-01", "currency": "CNY",
                                                               "items": api.ITEMS}, **api.REP)
    assert closed.status_code == 409 and closed.json["detail"] == f"deal {deal} is lost; reopen it first"
