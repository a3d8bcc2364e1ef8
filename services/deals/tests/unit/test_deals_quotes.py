from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from deals.domain.errors import AlreadyAccepted, IllegalTransition, QuoteExpired, RuleViolation
from deals.domain.quotes import DealProposals, LineItem, Quote, QuoteStatus, price_line

CREATED = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
SENT = datetime(2025, 3, 2, 8, 0, tzinfo=timezone.utc)
DECIDED = datetime(2025, 3, 10, 8, 0, tzinfo=timezone.utc)
VALID_UNTIL = date(2025, 3, 31)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def item(code="P-1", qty="1", price="100.00", discount="0", tax="0", description="Widget"):
    return LineItem(code, description, Decimal(qty), Decimal(price), Decimal(discount), Decimal(tax))


def cny_items():
    return (
        item("ERP-LIC", "3", "19.99", "15", "13"),
        item("CONSULT", "2.5", "100.00", "0", "6"),
        item("CABLE", "7", "0.335", "10", "13"),
    )


def quote(items=(), currency="CNY", valid_until=VALID_UNTIL, version=1):
    return Quote(
        deal_id="deal-1", version=version, currency=currency, valid_until=valid_until,
        created_by="rep-1", created_at=CREATED, items=tuple(items),
    )


def sent_quote(items=None, valid_until=VALID_UNTIL):
    q = quote(items if items is not None else cny_items(), valid_until=valid_until)
    q.send(SENT)
    return q


# --- line items -------------------------------------------------------------

def test_line_item_values_are_normalized():
    line = LineItem(" ERP-LIC ", "  ", 3, Decimal("19.99"))
    assert line.product_code == "ERP-LIC"
    assert line.description == ""
    assert line.quantity == Decimal("3") and isinstance(line.quantity, Decimal)
    assert line.discount_pct == Decimal("0") and line.tax_rate_pct == Decimal("0")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"qty": "0"}, "quantity"),
        ({"qty": "-1"}, "quantity"),
        ({"price": "-0.01"}, "unit_price"),
        ({"discount": "-1"}, "discount_pct"),
        ({"discount": "100.5"}, "discount_pct"),
        ({"tax": "-13"}, "tax_rate_pct"),
        ({"code": " "}, "product_code"),
    ],
)
def test_line_item_rules(kwargs, field):
    with pytest.raises(RuleViolation) as caught:
        item(**kwargs)
    assert caught.value.field == field


def test_line_item_refuses_float_money():
    with pytest.raises(RuleViolation, match="unit_price must be a Decimal"):
        LineItem("P", "x", Decimal("1"), 19.99)


def test_free_item_and_full_discount_are_allowed():
    assert price_line(item(price="0"), "CNY").gross == Decimal("0.00")
    full = price_line(item(qty="2", price="50", discount="100", tax="13"), "CNY")
    assert (full.list_amount, full.discount, full.net, full.tax, full.gross) == (
        Decimal("100.00"), Decimal("100.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


def test_line_with_discount_and_tax_rounds_half_up_to_cents():
    # 3 x 19.99 = 59.97; net 59.97 x 0.85 = 50.9745 -> 50.97; tax 50.97 x 13% = 6.6261 -> 6.63
    line = price_line(item("ERP-LIC", "3", "19.99", "15", "13"), "CNY")
    assert line.list_amount == Decimal("59.97")
    assert line.net == Decimal("50.97")
    assert line.discount == Decimal("9.00")
    assert line.tax == Decimal("6.63")
    assert line.gross == Decimal("57.60")


def test_half_cent_rounds_up_not_to_even():
    # 7 x 0.335 = 2.345 -> 2.35 (banker's rounding would give 2.34)
    line = price_line(item(qty="7", price="0.335", discount="10", tax="13"), "CNY")
    assert line.list_amount == Decimal("2.35")
    assert line.net == Decimal("2.11")      # 2.345 x 0.9 = 2.1105
    assert line.discount == Decimal("0.24")
    assert line.tax == Decimal("0.27")      # 2.11 x 13% = 0.2743
    assert line.gross == Decimal("2.38")


def test_jpy_rounds_to_whole_yen():
    # 3 x 333.5 = 1000.5 -> 1001; net 1000.5 x 0.95 = 950.475 -> 950; tax 95.0 -> 95
    line = price_line(item(qty="3", price="333.5", discount="5", tax="10"), "JPY")
    assert (line.list_amount, line.discount, line.net, line.tax, line.gross) == (
        Decimal("1001"), Decimal("51"), Decimal("950"), Decimal("95"), Decimal("1045"))
    assert line.gross.as_tuple().exponent == 0


def test_jpy_tax_half_rounds_up():
    # 1234 x 8% = 98.72 -> 99
    line = price_line(item(price="1234", tax="8"), "JPY")
    assert (line.tax, line.gross) == (Decimal("99"), Decimal("1333"))


# --- totals -------------------------------------------------------------------

def test_quote_totals_are_sums_of_rounded_lines():
    totals = quote(cny_items()).totals
    assert totals.currency == "CNY"
    assert totals.list_amount == Decimal("312.32")   # 59.97 + 250.00 + 2.35
    assert totals.discount == Decimal("9.24")        # 9.00 + 0.00 + 0.24
    assert totals.net == Decimal("303.08")           # 50.97 + 250.00 + 2.11
    assert totals.tax == Decimal("21.90")            # 6.63 + 15.00 + 0.27
    assert totals.gross == Decimal("324.98")         # 57.60 + 265.00 + 2.38
    assert totals.net + totals.tax == totals.gross
    assert totals.list_amount - totals.discount == totals.net


def test_rounding_per_line_not_on_the_total():
    # Each 0.125 line shows 0.13; the total is the sum the customer can re-add (0.39),
    # not the rounded raw sum 0.375 -> 0.38.
    totals = quote([item(f"P-{n}", price="0.125") for n in range(3)]).totals
    assert totals.net == Decimal("0.39")
    assert [line.net for line in quote([item(price="0.125")]).lines] == [Decimal("0.13")]


def test_empty_quote_totals_are_zero_in_the_currency_scale():
    totals = quote(currency="USD").totals
    assert totals.gross == Decimal("0.00") and str(totals.gross) == "0.00"
    assert str(quote(currency="JPY").totals.gross) == "0"


def test_currency_code_is_checked_and_normalized():
    assert quote(currency="usd").currency == "USD"
    with pytest.raises(RuleViolation, match="ISO 4217"):
        quote(currency="dollars")


# --- status -------------------------------------------------------------------

def test_send_then_accept_within_validity():
    proposals = DealProposals("deal-1", [sent_quote()])
    accepted = proposals.accept(1, at=DECIDED)
    assert accepted.status is QuoteStatus.ACCEPTED
    assert accepted.sent_at == SENT and accepted.decided_at == DECIDED
    assert proposals.accepted is accepted


def test_accept_on_the_last_valid_day_is_fine():
    q = sent_quote()
    DealProposals("deal-1", [q]).accept(1, at=datetime(2025, 3, 31, 23, 59, tzinfo=timezone.utc))
    assert q.status is QuoteStatus.ACCEPTED


def test_accepting_an_expired_quote_is_refused_and_changes_nothing():
    q = sent_quote()
    proposals = DealProposals("deal-1", [q])
    with pytest.raises(QuoteExpired, match="expired after 2025-03-31"):
        proposals.accept(1, at=datetime(2025, 4, 1, 0, 0, tzinfo=timezone.utc))
    assert q.status is QuoteStatus.SENT
    assert proposals.accepted is None


def test_validity_is_judged_in_the_business_zone():
    # 16:30Z on 31 March is 00:30 on 1 April in Shanghai: expired there, valid in UTC.
    at = datetime(2025, 3, 31, 16, 30, tzinfo=timezone.utc)
    q = sent_quote()
    assert q.is_expired(at, SHANGHAI) is True
    assert q.is_expired(at) is False
    with pytest.raises(QuoteExpired):
        DealProposals("deal-1", [q]).accept(1, at=at, business_zone=SHANGHAI)


def test_expire_records_an_unanswered_quote():
    q = sent_quote()
    after = datetime(2025, 4, 2, tzinfo=timezone.utc)
    q.expire(after)
    assert q.status is QuoteStatus.EXPIRED and q.decided_at == after


def test_expire_refused_while_still_valid():
    q = sent_quote()
    with pytest.raises(IllegalTransition, match="valid until 2025-03-31"):
        q.expire(DECIDED)
    assert q.status is QuoteStatus.SENT


def test_reject_with_optional_reason():
    q = sent_quote()
    q.reject(DECIDED, reason="  too expensive ")
    assert q.status is QuoteStatus.REJECTED and q.rejection_reason == "too expensive"
    other = sent_quote()
    other.reject(DECIDED)
    assert other.rejection_reason is None


def test_draft_cannot_be_accepted_rejected_or_expired():
    q = quote(cny_items())
    with pytest.raises(IllegalTransition, match="a draft quote cannot be accepted; it must be sent"):
        DealProposals("deal-1", [q]).accept(1, at=DECIDED)
    with pytest.raises(IllegalTransition):
        q.reject(DECIDED)
    with pytest.raises(IllegalTransition):
        q.expire(datetime(2025, 5, 1, tzinfo=timezone.utc))


def test_decided_quote_cannot_be_sent_again_or_edited():
    q = sent_quote()
    q.reject(DECIDED)
    with pytest.raises(IllegalTransition, match="a rejected quote cannot be sent"):
        q.send(DECIDED)
    with pytest.raises(IllegalTransition, match="cannot be edited"):
        q.edit(notes="x")


def test_send_needs_items():
    with pytest.raises(RuleViolation, match="at least one line item"):
        quote().send(SENT)


def test_send_refused_after_validity_date():
    q = quote(cny_items(), valid_until=date(2025, 3, 1))
    with pytest.raises(RuleViolation, match="already passed"):
        q.send(SENT)
    assert q.status is QuoteStatus.DRAFT


def test_send_cannot_predate_creation():
    with pytest.raises(RuleViolation, match="cannot be earlier"):
        quote(cny_items()).send(datetime(2025, 2, 1, tzinfo=timezone.utc))


def test_acceptance_cannot_predate_sending():
    q = sent_quote()
    with pytest.raises(RuleViolation, match="cannot be earlier"):
        DealProposals("deal-1", [q]).accept(1, at=CREATED)


def test_edit_draft_items_validity_and_notes():
    q = quote()
    q.edit(items=[item(qty="2", price="10.00")], valid_until=date(2025, 4, 30), notes=" rush ")
    assert q.totals.net == Decimal("20.00")
    assert q.valid_until == date(2025, 4, 30) and q.notes == "rush"


def test_edit_refuses_non_line_items():
    with pytest.raises(RuleViolation, match="LineItem"):
        quote().edit(items=[{"product_code": "P"}])


def test_valid_until_must_be_a_date_not_a_datetime():
    with pytest.raises(RuleViolation, match="calendar date"):
        quote(valid_until=datetime(2025, 3, 31, tzinfo=timezone.utc))


# --- versions -----------------------------------------------------------------

def test_first_version_needs_a_currency():
    with pytest.raises(RuleViolation, match="needs a currency"):
        DealProposals("deal-1").new_version(by="rep-1", at=CREATED, valid_until=VALID_UNTIL)


def test_new_version_copies_items_and_currency_of_previous():
    proposals = DealProposals("deal-1")
    first = proposals.new_version(by="rep-1", at=CREATED, valid_until=VALID_UNTIL,
                                  items=cny_items(), currency="CNY")
    first.send(SENT)
    second = proposals.new_version(by="rep-2", at=DECIDED, valid_until=date(2025, 4, 30))
    assert (first.version, second.version) == (1, 2)
    assert second.items == first.items
    assert second.currency == "CNY"
    assert second.status is QuoteStatus.DRAFT
    assert second.created_by == "rep-2"
    assert proposals.latest is second
    assert proposals.get(1) is first
    # Editing the copy leaves the version the customer saw untouched.
    second.edit(items=[*second.items[:1]])
    assert len(first.items) == 3 and len(second.items) == 1


def test_new_version_refused_while_latest_is_draft():
    proposals = DealProposals("deal-1", [quote(cny_items())])
    with pytest.raises(IllegalTransition, match="version 1 is still a draft"):
        proposals.new_version(by="rep-1", at=DECIDED, valid_until=VALID_UNTIL)


def test_new_version_after_rejection_and_acceptance_of_it():
    first = sent_quote()
    first.reject(DECIDED, "price")
    proposals = DealProposals("deal-1", [first])
    later = datetime(2025, 3, 11, tzinfo=timezone.utc)
    second = proposals.new_version(by="rep-1", at=later, valid_until=VALID_UNTIL,
                                   items=[item(qty="3", price="19.99", discount="20", tax="13")])
    second.send(later)
    proposals.accept(2, at=later)
    assert proposals.accepted is second
    # 59.97 x 0.8 = 47.976 -> 47.98; tax 6.2374 -> 6.24
    assert (second.totals.net, second.totals.tax, second.totals.gross) == (
        Decimal("47.98"), Decimal("6.24"), Decimal("54.22"))


def test_only_one_accepted_proposal_per_deal():
    first, second = sent_quote(), sent_quote()
    second.version = 2
    proposals = DealProposals("deal-1", [first, second])
    proposals.accept(1, at=DECIDED)
    with pytest.raises(AlreadyAccepted, match="already accepted proposal version 1"):
        proposals.accept(2, at=DECIDED)
    assert second.status is QuoteStatus.SENT


def test_no_new_version_once_accepted():
    proposals = DealProposals("deal-1", [sent_quote()])
    proposals.accept(1, at=DECIDED)
    with pytest.raises(AlreadyAccepted, match="no new version"):
        proposals.new_version(by="rep-1", at=DECIDED, valid_until=VALID_UNTIL)


def test_changing_currency_needs_new_items():
    proposals = DealProposals("deal-1", [sent_quote()])
    with pytest.raises(RuleViolation, match="changing the currency needs new line items"):
        proposals.new_version(by="rep-1", at=DECIDED, valid_until=VALID_UNTIL, currency="USD")
    usd = proposals.new_version(by="rep-1", at=DECIDED, valid_until=VALID_UNTIL,
                                currency="usd", items=[item(price="45.00")])
    assert usd.currency == "USD" and usd.totals.gross == Decimal("45.00")


def test_new_version_cannot_predate_previous():
    proposals = DealProposals("deal-1", [sent_quote()])
    with pytest.raises(RuleViolation, match="cannot be earlier"):
        proposals.new_version(by="rep-1", at=datetime(2025, 1, 1, tzinfo=timezone.utc),
                              valid_until=VALID_UNTIL)


def test_loaded_versions_must_be_consistent():
    with pytest.raises(RuleViolation, match="without gaps"):
        DealProposals("deal-1", [quote(version=2)])
    with pytest.raises(RuleViolation, match="belong to this deal"):
        DealProposals("deal-2", [quote()])
    a, b = sent_quote(), sent_quote()
    b.version = 2
    for q in (a, b):
        q.status = QuoteStatus.ACCEPTED
    with pytest.raises(RuleViolation, match="more than one accepted"):
        DealProposals("deal-1", [a, b])


def test_unknown_version_is_reported():
    with pytest.raises(RuleViolation, match="no proposal version 3"):
        DealProposals("deal-1", [quote()]).get(3)
