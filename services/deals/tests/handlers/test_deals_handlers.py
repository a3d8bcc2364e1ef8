"""The events the Deals service consumes, delivered as the worker would (inbox included)."""
import pytest

from salesloop.messaging.processor import PermanentFailure

CONVERTED = {
    "lead_id": "lead-311", "customer_id": "cust-1042", "customer_name": "杭州云帆科技有限公司", "rep_id": "rep-1",
    "team": "team-1", "region": "east", "source": "trade_show", "product_lines": ["ERP", "MES"],
    "needs": "one stock view across 12 plants", "expected_amount": "120000", "currency": "CNY", "fx_rate": "1",
    "captured_at": "2025-02-20T06:00:00+00:00", "converted_at": "2025-03-03T02:15:00+00:00",
    "some_future_field": {"ignored": True},
}


def test_a_converted_lead_opens_one_deal(api):
    assert api.harness.deliver("leads.lead.converted", CONVERTED).value == "handled"
    [deal] = api.items(api.harness.get("/deals", **api.REP))
    assert (deal["lead_id"], deal["customer_id"], deal["customer_name"]) == ("lead-311", "cust-1042", "杭州云帆科技有限公司")
    assert (deal["owner_rep_id"], deal["team"], deal["region"], deal["source"]) == ("rep-1", "team-1", "east", "trade_show")
    assert (deal["amount"], deal["currency"], deal["stage"], deal["grade"]) == ("120000.00", "CNY", "qualification", "C")
    assert deal["title"] == "杭州云帆科技有限公司 – ERP, MES" and deal["needs"] == "one stock view across 12 plants"
    assert deal["opened_at"] == "2025-03-03T02:15:00+00:00"
    assert deal["expected_close_date"] == "2025-06-01"  # converted on 3 March (Shanghai) + 90 days
    [event] = api.events("deals.deal.opened")
    assert (event["lead_id"], event["lead_captured_at"], event["opened_at"]) == (
        "lead-311", "2025-02-20T06:00:00+00:00", "2025-03-03T02:15:00+00:00")


def test_the_same_conversion_twice_opens_one_deal_even_under_a_new_event_id(api):
    envelope = api.harness.envelope("leads.lead.converted", CONVERTED)
    assert api.harness.deliver_envelope(envelope).value == "handled"
    assert api.harness.deliver_envelope(envelope).value == "duplicate"
    # A re-published copy (new event id, same lead) is caught by the business key.
    assert api.harness.deliver("leads.lead.converted", CONVERTED).value == "handled"
    assert api.count("deals") == 1 and len(api.events("deals.deal.opened")) == 1
    assert api.count("inbox") == 2


def test_a_conversion_without_an_amount_or_our_rate_still_opens_a_deal(api):
    data = {**CONVERTED, "lead_id": "lead-2", "expected_amount": None, "currency": "EUR", "fx_rate": "7.8"}
    api.harness.deliver("leads.lead.converted", data)
    [event] = api.events("deals.deal.opened")
    assert (event["amount"], event["currency"], event["fx_rate"]) == ("0.00", "EUR", "7.8")
    forecast = api.ok(api.harness.get("/forecast", **api.REP))
    [rate] = forecast["rates"]
    assert rate["currency"] == "EUR" and rate["fx_rate"] == "7.8" and rate["source"].startswith("last known rate")


def test_a_conversion_in_a_currency_nobody_can_rate_fails_and_will_be_retried(api):
    data = {**CONVERTED, "currency": "EUR", "fx_rate": None}
    with pytest.raises(LookupError, match="no exchange rate for EUR"):
        api.harness.deliver("leads.lead.converted", data)
    assert api.count("deals") == 0 and api.count("inbox") == 0


@pytest.mark.parametrize("change", [
    {"rep_id": None}, {"team": ""}, {"lead_id": 42}, {"expected_amount": "lots"}, {"converted_at": "2025-03-03T02:15:00"},
])
def test_an_unreadable_conversion_is_a_permanent_failure_with_nothing_written(api, change):
    with pytest.raises(PermanentFailure, match="invalid leads.lead.converted data"):
        api.harness.deliver("leads.lead.converted", {**CONVERTED, **change})
    assert api.count("deals") == 0 and api.count("inbox") == 0


def test_customers_are_copied_and_the_newest_version_wins(api):
    newer = {"customer_id": "cust-1", "name": "云帆科技（集团）", "abc_class": "A", "category": "key_account",
             "contact": {"name": "王丽", "phone": "+8613800138000", "email": None},
             "updated_at": "2025-05-01T00:00:00+00:00"}
    api.open_deal()
    api.harness.deliver("leads.customer.upserted", newer)
    older = {**newer, "name": "云帆", "abc_class": "C", "updated_at": "2025-04-01T00:00:00+00:00"}
    api.harness.deliver("leads.customer.upserted", older)
    [deal] = api.items(api.harness.get("/deals", **api.REP))
    assert deal["customer_name"] == "云帆科技（集团）"  # renamed on the deal too
    customer = api.ok(api.harness.get(f"/deals/{deal['id']}", **api.MANAGER))["customer"]
    assert (customer["name"], customer["abc_class"], customer["category"]) == ("云帆科技（集团）", "A", "key_account")
    assert (customer["contact_phone"], customer["contact_email"]) == ("+8613800138000", None)


def test_a_customer_event_with_a_bad_class_is_refused(api):
    with pytest.raises(PermanentFailure):
        api.harness.deliver("leads.customer.upserted", {"customer_id": "c", "name": "n", "abc_class": "Z"})


def test_an_event_we_do_not_consume_is_parked_not_dropped(api):
    # Bound or not, a type without a subscription is someone's mistake: it waits in
    # the dead-letter queue with its reason instead of vanishing.
    with pytest.raises(PermanentFailure, match="no subscription"):
        api.harness.deliver("leads.lead.captured", {"lead_id": "x"})
    assert api.count("deals") == 0 and api.count("inbox") == 0


def test_the_subscriptions_bind_exactly_what_deals_consumes(harness):
    assert harness.runtime.subscriptions.bindings == ["leads.customer.upserted", "leads.lead.converted"]
    assert [sweep.name for sweep in harness.spec.sweeps(harness.runtime)] == ["expire-proposals"]


def test_every_published_event_has_a_schema_a_summary_and_a_valid_example(harness):
    catalog = harness.runtime.catalog
    types = [definition.type for definition in catalog]
    assert types == ["deals.contract.signed", "deals.deal.lost", "deals.deal.opened", "deals.deal.stage_changed",
                     "deals.deal.won", "deals.proposal.sent"]
    for definition in catalog:
        assert definition.summary and definition.example
        assert definition.schema().load(definition.example) is not None  # raises if the example is wrong
