"""Contracts: drafted from the accepted proposal, reviewed, approved, signed.

draft -> in_review -> approved -> signed
                   -> rejected(reason) -> draft (revised) -> in_review ...

Approval is a four-eyes rule: the approver holds a manager, director or admin
role and is neither the deal's owner rep nor the contract's drafter, so nobody
can wave through a contract they have a stake in. A signature happens once and
yields ``ContractSigned``, the facts the signed event (and so the order) needs.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from .actors import APPROVER_ROLES, Actor
from .errors import AlreadySigned, IllegalTransition, NotAllowed, RuleViolation
from .money import require_currency, to_company_currency
from .quotes import LineItem, PricedLine, Quote, QuoteStatus, QuoteTotals, price_lines, sum_lines
from .validation import optional_text, require_aware, require_date, require_not_before, require_text

T = TypeVar("T")


class ContractStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SIGNED = "signed"


@dataclass(frozen=True)
class ContractStatusChange:
    """One step of the contract's review trail, kept for audit."""

    from_status: ContractStatus
    to_status: ContractStatus
    by: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class ContractSigned:
    """What ``deals.contract.signed`` carries; the order is created from it."""

    contract_id: str
    deal_id: str
    customer_id: str
    owner_rep_id: str
    quote_version: int
    currency: str
    lines: tuple[PricedLine, ...]
    totals: QuoteTotals
    delivery_terms: str
    payment_terms: str
    delivery_date: date
    approved_by: str
    signed_at: datetime
    signatory_name: str
    company_currency: str
    fx_rate: Decimal
    gross_in_company_currency: Decimal
    net_in_company_currency: Decimal


@dataclass
class Contract:
    id: str
    deal_id: str
    customer_id: str
    owner_rep_id: str
    drafted_by: str
    drafted_at: datetime
    quote_version: int
    currency: str
    items: tuple[LineItem, ...]
    totals: QuoteTotals
    delivery_terms: str
    payment_terms: str
    delivery_date: date
    status: ContractStatus = ContractStatus.DRAFT
    revision: int = 1
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    rejection_reason: str | None = None
    signed_at: datetime | None = None
    signatory_name: str | None = None
    history: list[ContractStatusChange] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("id", "deal_id", "customer_id", "owner_rep_id", "drafted_by"):
            setattr(self, name, require_text(getattr(self, name), name))
        self.drafted_at = require_aware(self.drafted_at, "drafted_at")
        self.status = ContractStatus(self.status)
        self.currency = require_currency(self.currency)
        self.delivery_terms = require_text(self.delivery_terms, "delivery_terms")
        self.payment_terms = require_text(self.payment_terms, "payment_terms")
        self.delivery_date = require_date(self.delivery_date, "delivery_date")
        self.items = tuple(self.items)
        if not self.items:
            raise RuleViolation("a contract needs at least one line item", "items")
        if self.totals != sum_lines(self.lines, self.currency):
            raise RuleViolation("the contract totals do not match its line items", "totals")

    @property
    def lines(self) -> tuple[PricedLine, ...]:
        return price_lines(self.items, self.currency)

    def amend_terms(
        self,
        *,
        at: datetime,
        delivery_terms: str | None = None,
        payment_terms: str | None = None,
        delivery_date: date | None = None,
    ) -> None:
        """Change the negotiable terms of a draft; prices stay those of the accepted proposal."""
        self._require_status(ContractStatus.DRAFT, "amended")
        # Everything is checked before anything changes, so a refusal leaves the draft whole.
        new_date = _checked_or_kept(delivery_date, self.delivery_date, require_date, "delivery_date")
        _require_delivery_not_before(new_date, require_aware(at, "at"))
        new_delivery = _checked_or_kept(delivery_terms, self.delivery_terms, require_text, "delivery_terms")
        new_payment = _checked_or_kept(payment_terms, self.payment_terms, require_text, "payment_terms")
        self.delivery_terms, self.payment_terms, self.delivery_date = new_delivery, new_payment, new_date

    def submit_for_review(self, *, by: str, at: datetime) -> None:
        self._require_status(ContractStatus.DRAFT, "submitted for review")
        self._move(ContractStatus.IN_REVIEW, by, at)

    def approve(self, approver: Actor, *, at: datetime) -> None:
        self._require_status(ContractStatus.IN_REVIEW, "approved")
        self._require_reviewer(approver)
        self._move(ContractStatus.APPROVED, approver.user_id, at)
        self.reviewed_by, self.reviewed_at = approver.user_id, at

    def reject(self, reviewer: Actor, *, at: datetime, reason: str) -> None:
        self._require_status(ContractStatus.IN_REVIEW, "rejected")
        self._require_reviewer(reviewer)
        rejection_reason = optional_text(reason, "reason")
        if rejection_reason is None:
            raise RuleViolation("a rejected contract needs a reason", "reason")
        self._move(ContractStatus.REJECTED, reviewer.user_id, at, rejection_reason)
        self.reviewed_by, self.reviewed_at = reviewer.user_id, at
        self.rejection_reason = rejection_reason

    def revise(self, *, by: str, at: datetime) -> None:
        """Take a rejected contract back to draft for rework; the rejection stays in history."""
        self._require_status(ContractStatus.REJECTED, "revised")
        self._move(ContractStatus.DRAFT, by, at)
        self.revision += 1
        self.reviewed_by = self.reviewed_at = self.rejection_reason = None

    def sign(
        self,
        *,
        at: datetime,
        signatory_name: str,
        recorded_by: str,
        fx_rate: Decimal,
        company_currency: str,
    ) -> ContractSigned:
        """Record the customer's signature; ``fx_rate`` is the rate to the company currency now."""
        if self.status is ContractStatus.SIGNED:
            assert self.signed_at is not None  # a signed contract records when it was signed
            raise AlreadySigned(f"contract {self.id} was already signed at {self.signed_at.isoformat()}")
        self._require_status(ContractStatus.APPROVED, "signed")
        signatory = require_text(signatory_name, "signatory_name")
        gross = to_company_currency(self.totals.gross, self.currency, fx_rate, company_currency)
        net = to_company_currency(self.totals.net, self.currency, fx_rate, company_currency)
        self._move(ContractStatus.SIGNED, recorded_by, at)
        self.signed_at, self.signatory_name = at, signatory
        return self._signed_facts(require_currency(company_currency), fx_rate, gross, net)

    def _signed_facts(
        self, company_currency: str, fx_rate: Decimal, gross: Decimal, net: Decimal
    ) -> ContractSigned:
        # Called right after the signature is recorded, on a contract an approver passed.
        assert self.reviewed_by is not None and self.signed_at is not None and self.signatory_name is not None
        return ContractSigned(
            contract_id=self.id,
            deal_id=self.deal_id,
            customer_id=self.customer_id,
            owner_rep_id=self.owner_rep_id,
            quote_version=self.quote_version,
            currency=self.currency,
            lines=self.lines,
            totals=self.totals,
            delivery_terms=self.delivery_terms,
            payment_terms=self.payment_terms,
            delivery_date=self.delivery_date,
            approved_by=self.reviewed_by,
            signed_at=self.signed_at,
            signatory_name=self.signatory_name,
            company_currency=company_currency,
            fx_rate=fx_rate,
            gross_in_company_currency=gross,
            net_in_company_currency=net,
        )

    def _require_reviewer(self, reviewer: Actor) -> None:
        if not reviewer.has_any_role(APPROVER_ROLES):
            raise NotAllowed("only a manager, director or admin can review a contract")
        if reviewer.user_id == self.owner_rep_id:
            raise NotAllowed("the deal's owner cannot review their own contract")
        if reviewer.user_id == self.drafted_by:
            raise NotAllowed("the contract's drafter cannot review it")

    def _require_status(self, expected: ContractStatus, action: str) -> None:
        if self.status is not expected:
            raise IllegalTransition(f"a {self.status} contract cannot be {action}; it must be {expected}")

    def _move(self, to: ContractStatus, by: str, at: datetime, reason: str | None = None) -> None:
        require_aware(at, "at")
        require_not_before(at, self._last_change_at(), "at")
        change = ContractStatusChange(self.status, to, require_text(by, "by"), at, reason)
        self.history.append(change)
        self.status = to

    def _last_change_at(self) -> datetime:
        return self.history[-1].at if self.history else self.drafted_at


def draft_contract(
    quote: Quote,
    *,
    contract_id: str,
    customer_id: str,
    owner_rep_id: str,
    drafted_by: str,
    at: datetime,
    delivery_terms: str,
    payment_terms: str,
    delivery_date: date,
) -> Contract:
    """Draft a contract from the deal's accepted proposal, copying its items and totals."""
    if quote.status is not QuoteStatus.ACCEPTED:
        raise IllegalTransition(
            f"a contract is drafted from an accepted proposal; version {quote.version} is {quote.status}"
        )
    require_not_before(require_aware(at, "at"), quote.decided_at, "at")
    _require_delivery_not_before(require_date(delivery_date, "delivery_date"), at)
    return Contract(
        id=contract_id,
        deal_id=quote.deal_id,
        customer_id=customer_id,
        owner_rep_id=owner_rep_id,
        drafted_by=drafted_by,
        drafted_at=at,
        quote_version=quote.version,
        currency=quote.currency,
        items=quote.items,
        totals=quote.totals,
        delivery_terms=delivery_terms,
        payment_terms=payment_terms,
        delivery_date=delivery_date,
    )


def _require_delivery_not_before(delivery_date: date, at: datetime) -> None:
    # One day of slack on the UTC calendar day: "today" in any business zone is
    # accepted without this module needing to know the company's zone.
    earliest = at.astimezone(timezone.utc).date() - timedelta(days=1)
    if delivery_date < earliest:
        raise RuleViolation("the delivery date cannot be in the past", "delivery_date")


def _checked_or_kept(new: T | None, current: T, check: Callable[[T, str], T], field: str) -> T:
    return current if new is None else check(new, field)
