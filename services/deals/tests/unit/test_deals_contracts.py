from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from deals.domain.actors import Actor
from deals.domain.contracts import Contract, ContractStatus, draft_contract
from deals.domain.errors import AlreadySigned, IllegalTransition, NotAllowed, RuleViolation
from deals.domain.quotes import DealProposals, LineItem, Quote

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)


def at(hours):
    return T0 + timedelta(hours=hours)


OWNER = "rep-1"
DRAFTER = "ops-7"
MANAGER = Actor("mgr-1", frozenset({"manager"}))


def accepted_quote(currency="USD"):
    items = (
        LineItem("ERP-LIC", "licence", Decimal("3"), Decimal("19.99"), Decimal("15"), Decimal("13")),
        LineItem("CONSULT", "days", Decimal("2.5"), Decimal("100.00"), Decimal("0"), Decimal("6")),
        LineItem("CABLE", "cable", Decimal("7"), Decimal("0.335"), Decimal("10"), Decimal("13")),
    )
    quote = Quote("deal-1", 1, currency, date(2025, 3, 31), OWNER, T0, items)
    quote.send(at(1))
    DealProposals("deal-1", [quote]).accept(1, at=at(2))
    return quote


def drafted(drafted_by=DRAFTER):
    return draft_contract(
        accepted_quote(),
        contract_id="c-1",
        customer_id="cust-9",
        owner_rep_id=OWNER,
        drafted_by=drafted_by,
        at=at(3),
        delivery_terms="DAP Shanghai",
        payment_terms="30% advance, 70% net 30",
        delivery_date=date(2025, 4, 15),
    )


def in_review(drafted_by=DRAFTER):
    contract = drafted(drafted_by)
    contract.submit_for_review(by=drafted_by, at=at(4))
    return contract


def approved():
    contract = in_review()
    contract.approve(MANAGER, at=at(5))
    return contract


def sign(contract, hours=6, rate=Decimal("7.1234")):
    return contract.sign(at=at(hours), signatory_name="Li Wei", recorded_by=OWNER,
                         fx_rate=rate, company_currency="CNY")


# --- drafting -------------------------------------------------------------------

def test_draft_copies_items_and_totals_of_accepted_proposal():
    quote = accepted_quote()
    contract = draft_contract(
        quote, contract_id="c-1", customer_id="cust-9", owner_rep_id=OWNER, drafted_by=DRAFTER,
        at=at(3), delivery_terms="DAP Shanghai", payment_terms="net 30", delivery_date=date(2025, 4, 15),
    )
    assert contract.status is ContractStatus.DRAFT
    assert contract.deal_id == "deal-1" and contract.quote_version == 1
    assert contract.items == quote.items
    assert contract.currency == "USD"
    assert contract.totals == quote.totals
    assert (contract.totals.net, contract.totals.tax, contract.totals.gross) == (
        Decimal("303.08"), Decimal("21.90"), Decimal("324.98"))
    assert contract.revision == 1 and contract.history == []


def test_draft_requires_accepted_proposal():
    quote = Quote("deal-1", 1, "USD", date(2025, 3, 31), OWNER, T0,
                  (LineItem("P", "", Decimal("1"), Decimal("1")),))
    quote.send(at(1))
    with pytest.raises(IllegalTransition, match="version 1 is sent"):
        draft_contract(quote, contract_id="c-1", customer_id="cust-9", owner_rep_id=OWNER,
                       drafted_by=DRAFTER, at=at(3), delivery_terms="x", payment_terms="y",
                       delivery_date=date(2025, 4, 15))


@pytest.mark.parametrize(
    ("override", "field"),
    [({"delivery_terms": " "}, "delivery_terms"), ({"payment_terms": ""}, "payment_terms"),
     ({"customer_id": ""}, "customer_id"), ({"delivery_date": date(2025, 2, 1)}, "delivery_date")],
)
def test_draft_needs_terms_customer_and_future_delivery(override, field):
    kwargs = dict(contract_id="c-1", customer_id="cust-9", owner_rep_id=OWNER, drafted_by=DRAFTER,
                  at=at(3), delivery_terms="DAP", payment_terms="net 30", delivery_date=date(2025, 4, 15))
    kwargs.update(override)
    with pytest.raises(RuleViolation) as caught:
        draft_contract(accepted_quote(), **kwargs)
    assert caught.value.field == field


def test_totals_that_do_not_match_items_are_refused():
    contract = drafted()
    other_totals = accepted_quote("EUR").totals
    with pytest.raises(RuleViolation, match="do not match"):
        Contract(
            id="c-2", deal_id="deal-1", customer_id="cust-9", owner_rep_id=OWNER, drafted_by=DRAFTER,
            drafted_at=at(3), quote_version=1, currency="USD", items=contract.items, totals=other_totals,
            delivery_terms="DAP", payment_terms="net 30", delivery_date=date(2025, 4, 15),
        )


def test_amend_terms_only_in_draft():
    contract = drafted()
    contract.amend_terms(at=at(3), payment_terms="net 60", delivery_date=date(2025, 5, 1))
    assert contract.payment_terms == "net 60" and contract.delivery_date == date(2025, 5, 1)
    assert contract.delivery_terms == "DAP Shanghai"
    contract.submit_for_review(by=DRAFTER, at=at(4))
    with pytest.raises(IllegalTransition, match="in_review contract cannot be amended"):
        contract.amend_terms(at=at(4), payment_terms="net 90")


def test_refused_amendment_changes_nothing():
    contract = drafted()
    with pytest.raises(RuleViolation) as caught:
        contract.amend_terms(at=at(3), delivery_terms="EXW", payment_terms=" ")
    assert caught.value.field == "payment_terms"
    assert (contract.delivery_terms, contract.payment_terms) == ("DAP Shanghai", "30% advance, 70% net 30")
    with pytest.raises(RuleViolation, match="delivery date cannot be in the past"):
        contract.amend_terms(at=at(3), delivery_date=date(2025, 1, 1))
    assert contract.delivery_date == date(2025, 4, 15)


# --- approval rule ----------------------------------------------------------------

def test_manager_can_approve():
    contract = approved()
    assert contract.status is ContractStatus.APPROVED
    assert (contract.reviewed_by, contract.reviewed_at) == ("mgr-1", at(5))
    assert [(c.from_status, c.to_status, c.by) for c in contract.history] == [
        (ContractStatus.DRAFT, ContractStatus.IN_REVIEW, DRAFTER),
        (ContractStatus.IN_REVIEW, ContractStatus.APPROVED, "mgr-1"),
    ]


@pytest.mark.parametrize("role", ["director", "admin", "Manager"])
def test_director_and_admin_can_approve(role):
    contract = in_review()
    contract.approve(Actor("boss", frozenset({role})), at=at(5))
    assert contract.status is ContractStatus.APPROVED


def test_rep_cannot_approve_their_own_contract():
    contract = in_review()
    with pytest.raises(NotAllowed, match="manager, director or admin"):
        contract.approve(Actor(OWNER, frozenset({"rep"})), at=at(5))
    assert contract.status is ContractStatus.IN_REVIEW


def test_owner_cannot_approve_even_as_manager():
    contract = in_review()
    with pytest.raises(NotAllowed, match="owner cannot review their own contract"):
        contract.approve(Actor(OWNER, frozenset({"rep", "manager"})), at=at(5))


def test_drafter_cannot_approve_even_as_manager():
    contract = in_review(drafted_by="mgr-1")
    with pytest.raises(NotAllowed, match="drafter cannot review"):
        contract.approve(MANAGER, at=at(5))
    assert contract.status is ContractStatus.IN_REVIEW


@pytest.mark.parametrize("roles", [frozenset(), frozenset({"supervisor"}), frozenset({"rep", "ops"})])
def test_other_roles_cannot_approve(roles):
    with pytest.raises(NotAllowed):
        in_review().approve(Actor("someone", roles), at=at(5))


def test_approval_only_from_review():
    contract = drafted()
    with pytest.raises(IllegalTransition, match="a draft contract cannot be approved; it must be in_review"):
        contract.approve(MANAGER, at=at(5))


def test_review_time_cannot_go_backwards():
    contract = in_review()
    with pytest.raises(RuleViolation, match="cannot be earlier"):
        contract.approve(MANAGER, at=at(3))


# --- rejection and revision ---------------------------------------------------------

def test_reject_needs_reason_then_revise_back_to_draft():
    contract = in_review()
    with pytest.raises(RuleViolation, match="needs a reason"):
        contract.reject(MANAGER, at=at(5), reason="  ")
    contract.reject(MANAGER, at=at(5), reason="payment terms too loose")
    assert contract.status is ContractStatus.REJECTED
    assert contract.rejection_reason == "payment terms too loose"
    contract.revise(by=DRAFTER, at=at(6))
    assert contract.status is ContractStatus.DRAFT
    assert contract.revision == 2
    assert contract.rejection_reason is None and contract.reviewed_by is None
    contract.amend_terms(at=at(6), payment_terms="50% advance")
    contract.submit_for_review(by=DRAFTER, at=at(7))
    contract.approve(MANAGER, at=at(8))
    assert contract.status is ContractStatus.APPROVED
    assert [c.to_status.value for c in contract.history] == [
        "in_review", "rejected", "draft", "in_review", "approved"]
    assert contract.history[1].reason == "payment terms too loose"


def test_reject_follows_the_reviewer_rule():
    with pytest.raises(NotAllowed):
        in_review().reject(Actor(OWNER, frozenset({"manager"})), at=at(5), reason="no")


def test_rejected_contract_cannot_be_signed_or_approved():
    contract = in_review()
    contract.reject(MANAGER, at=at(5), reason="no")
    with pytest.raises(IllegalTransition):
        sign(contract)
    with pytest.raises(IllegalTransition):
        contract.approve(MANAGER, at=at(6))


def test_only_rejected_contract_can_be_revised():
    with pytest.raises(IllegalTransition, match="cannot be revised"):
        approved().revise(by=DRAFTER, at=at(6))


# --- signing ---------------------------------------------------------------------------

def test_sign_returns_what_the_signed_event_needs():
    contract = approved()
    signed = sign(contract)
    assert contract.status is ContractStatus.SIGNED
    assert contract.signed_at == at(6) and contract.signatory_name == "Li Wei"
    assert signed.contract_id == "c-1" and signed.deal_id == "deal-1"
    assert signed.customer_id == "cust-9" and signed.owner_rep_id == OWNER
    assert signed.quote_version == 1
    assert signed.currency == "USD" and signed.totals.gross == Decimal("324.98")
    assert [line.item.product_code for line in signed.lines] == ["ERP-LIC", "CONSULT", "CABLE"]
    assert [line.gross for line in signed.lines] == [Decimal("57.60"), Decimal("265.00"), Decimal("2.38")]
    assert signed.delivery_terms == "DAP Shanghai" and signed.delivery_date == date(2025, 4, 15)
    assert signed.approved_by == "mgr-1"
    assert signed.signed_at == at(6) and signed.signatory_name == "Li Wei"
    assert signed.company_currency == "CNY" and signed.fx_rate == Decimal("7.1234")
    # 324.98 x 7.1234 = 2314.962532 -> 2314.96 ; 303.08 x 7.1234 = 2158.960072 -> 2158.96
    assert signed.gross_in_company_currency == Decimal("2314.96")
    assert signed.net_in_company_currency == Decimal("2158.96")


def test_double_signing_is_refused():
    contract = approved()
    sign(contract)
    with pytest.raises(AlreadySigned, match="already signed at 2025-03-01T14:00:00"):
        sign(contract, hours=7)
    assert contract.signed_at == at(6)
    assert len([c for c in contract.history if c.to_status is ContractStatus.SIGNED]) == 1


@pytest.mark.parametrize("make", [drafted, in_review])
def test_signing_requires_approval(make):
    with pytest.raises(IllegalTransition, match="must be approved"):
        sign(make())


def test_signing_needs_a_signatory_and_a_valid_rate():
    contract = approved()
    with pytest.raises(RuleViolation, match="signatory_name is required"):
        contract.sign(at=at(6), signatory_name=" ", recorded_by=OWNER,
                      fx_rate=Decimal("7.1"), company_currency="CNY")
    with pytest.raises(RuleViolation, match="greater than 0"):
        sign(contract, rate=Decimal("0"))
    with pytest.raises(RuleViolation, match="must be a Decimal"):
        sign(contract, rate=7.1234)
    assert contract.status is ContractStatus.APPROVED


def test_same_currency_signing_needs_rate_one():
    contract = approved()
    with pytest.raises(RuleViolation, match="must be 1"):
        contract.sign(at=at(6), signatory_name="Li Wei", recorded_by=OWNER,
                      fx_rate=Decimal("1.01"), company_currency="USD")
    signed = contract.sign(at=at(6), signatory_name="Li Wei", recorded_by=OWNER,
                           fx_rate=Decimal("1"), company_currency="USD")
    assert signed.gross_in_company_currency == Decimal("324.98")


def test_signing_cannot_predate_approval():
    contract = approved()
    with pytest.raises(RuleViolation, match="cannot be earlier"):
        sign(contract, hours=4)
    assert contract.status is ContractStatus.APPROVED and contract.signed_at is None
