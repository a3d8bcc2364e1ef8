"""Proposals (quotes): line items, totals, versions and the customer's decision.

Rounding happens once per line, to the currency's minor unit, and totals are
the sums of the rounded lines. The quote, the contract copied from it and the
order and invoice downstream all print line amounts; rounding per line means
anyone re-adding a printed document gets its printed total, and every later
service reproduces the same figures from the same lines. Rounding only the
grand total would leave totals a cent away from the sum of their own lines.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from enum import StrEnum

from .errors import AlreadyAccepted, IllegalTransition, QuoteExpired, RuleViolation
from .money import require_currency, round_money
from .validation import (
    HUNDRED,
    optional_text,
    require_aware,
    require_date,
    require_decimal,
    require_not_before,
    require_percent,
    require_text,
)


@dataclass(frozen=True)
class LineItem:
    product_code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal = Decimal(0)
    tax_rate_pct: Decimal = Decimal(0)
    # What one unit costs us; optional, carried to the order so gross profit can be reported.
    unit_cost: Decimal | None = None

    def __post_init__(self) -> None:
        quantity = require_decimal(self.quantity, "quantity")
        if quantity <= 0:
            raise RuleViolation("quantity must be greater than 0", "quantity")
        unit_price = require_decimal(self.unit_price, "unit_price")
        if unit_price < 0:
            raise RuleViolation("unit_price cannot be negative", "unit_price")
        tax_rate = require_decimal(self.tax_rate_pct, "tax_rate_pct")
        if tax_rate < 0:
            raise RuleViolation("tax_rate_pct cannot be negative", "tax_rate_pct")
        object.__setattr__(self, "product_code", require_text(self.product_code, "product_code"))
        object.__setattr__(self, "description", optional_text(self.description, "description") or "")
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "unit_price", unit_price)
        object.__setattr__(self, "discount_pct", require_percent(self.discount_pct, "discount_pct"))
        object.__setattr__(self, "tax_rate_pct", tax_rate)
        if self.unit_cost is not None:
            unit_cost = require_decimal(self.unit_cost, "unit_cost")
            if unit_cost < 0:
                raise RuleViolation("unit_cost cannot be negative", "unit_cost")
            object.__setattr__(self, "unit_cost", unit_cost)


@dataclass(frozen=True)
class PricedLine:
    """A line item with its amounts in the quote's currency, each already rounded."""

    item: LineItem
    list_amount: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class QuoteTotals:
    currency: str
    list_amount: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


def price_line(item: LineItem, currency: str) -> PricedLine:
    """net = quantity x unit_price x (1 - discount/100); tax = net x rate; gross = net + tax.

    Tax is computed on the rounded net, as an invoice does; the discount is what
    separates the rounded list amount from the rounded net, so the line always
    reads list - discount = net exactly.
    """
    undiscounted = item.quantity * item.unit_price
    list_amount = round_money(undiscounted, currency)
    net = round_money(undiscounted * (HUNDRED - item.discount_pct) / HUNDRED, currency)
    tax = round_money(net * item.tax_rate_pct / HUNDRED, currency)
    return PricedLine(item, list_amount, list_amount - net, net, tax, net + tax)


def price_lines(items: Iterable[LineItem], currency: str) -> tuple[PricedLine, ...]:
    return tuple(price_line(item, currency) for item in items)


def sum_lines(lines: Sequence[PricedLine], currency: str) -> QuoteTotals:
    zero = round_money(Decimal(0), currency)
    return QuoteTotals(
        currency=currency,
        list_amount=sum((line.list_amount for line in lines), zero),
        discount=sum((line.discount for line in lines), zero),
        net=sum((line.net for line in lines), zero),
        tax=sum((line.tax for line in lines), zero),
        gross=sum((line.gross for line in lines), zero),
    )


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass
class Quote:
    """One version of a deal's proposal.

    ``valid_until`` is a calendar date in the company's business zone: the quote
    holds through the end of that day there. Accept through ``DealProposals`` so
    the one-accepted-proposal-per-deal rule is enforced.
    """

    deal_id: str
    version: int
    currency: str
    valid_until: date
    created_by: str
    created_at: datetime
    items: tuple[LineItem, ...] = ()
    notes: str = ""
    status: QuoteStatus = QuoteStatus.DRAFT
    sent_at: datetime | None = None
    decided_at: datetime | None = None
    rejection_reason: str | None = None

    def __post_init__(self) -> None:
        self.deal_id = require_text(self.deal_id, "deal_id")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise RuleViolation("version must be a whole number from 1", "version")
        self.currency = require_currency(self.currency)
        self.valid_until = require_date(self.valid_until, "valid_until")
        self.created_by = require_text(self.created_by, "created_by")
        self.created_at = require_aware(self.created_at, "created_at")
        self.items = _require_items(self.items)
        self.notes = optional_text(self.notes, "notes") or ""
        self.status = QuoteStatus(self.status)

    @property
    def lines(self) -> tuple[PricedLine, ...]:
        return price_lines(self.items, self.currency)

    @property
    def totals(self) -> QuoteTotals:
        return sum_lines(self.lines, self.currency)

    def is_expired(self, at: datetime, business_zone: tzinfo = timezone.utc) -> bool:
        """True once the validity date has passed in the company's business zone."""
        return require_aware(at, "at").astimezone(business_zone).date() > self.valid_until

    def edit(
        self,
        *,
        items: Iterable[LineItem] | None = None,
        valid_until: date | None = None,
        notes: str | None = None,
    ) -> None:
        """Change a draft; a sent quote is what the customer saw and stays as it was."""
        self._require_status(QuoteStatus.DRAFT, "edited")
        new_items = self.items if items is None else _require_items(items)
        new_until = self.valid_until if valid_until is None else require_date(valid_until, "valid_until")
        new_notes = self.notes if notes is None else optional_text(notes, "notes") or ""
        self.items, self.valid_until, self.notes = new_items, new_until, new_notes

    def send(self, at: datetime, business_zone: tzinfo = timezone.utc) -> None:
        self._require_status(QuoteStatus.DRAFT, "sent")
        require_aware(at, "at")
        require_not_before(at, self.created_at, "at")
        if not self.items:
            raise RuleViolation("a quote needs at least one line item before it is sent", "items")
        if self.is_expired(at, business_zone):
            raise RuleViolation(
                f"the validity date {self.valid_until.isoformat()} has already passed", "valid_until"
            )
        self.status, self.sent_at = QuoteStatus.SENT, at

    def reject(self, at: datetime, reason: str | None = None) -> None:
        self._require_status(QuoteStatus.SENT, "rejected")
        self._require_after_sending(at)
        self.status, self.decided_at = QuoteStatus.REJECTED, at
        self.rejection_reason = optional_text(reason, "reason")

    def expire(self, at: datetime, business_zone: tzinfo = timezone.utc) -> None:
        """Record that a sent quote ran out unanswered (a sweep, or a refused acceptance)."""
        self._require_status(QuoteStatus.SENT, "expired")
        self._require_after_sending(at)
        if not self.is_expired(at, business_zone):
            raise IllegalTransition(f"the quote is valid until {self.valid_until.isoformat()}")
        self.status, self.decided_at = QuoteStatus.EXPIRED, at

    def _accept(self, at: datetime, business_zone: tzinfo) -> None:
        self._require_status(QuoteStatus.SENT, "accepted")
        self._require_after_sending(at)
        if self.is_expired(at, business_zone):
            raise QuoteExpired(
                f"version {self.version} expired after {self.valid_until.isoformat()}; "
                "send a new version instead"
            )
        self.status, self.decided_at = QuoteStatus.ACCEPTED, at

    def _require_status(self, expected: QuoteStatus, action: str) -> None:
        if self.status is not expected:
            raise IllegalTransition(f"a {self.status} quote cannot be {action}; it must be {expected}")

    def _require_after_sending(self, at: datetime) -> None:
        require_aware(at, "at")
        require_not_before(at, self.sent_at, "at")


def _require_items(items: Iterable[LineItem]) -> tuple[LineItem, ...]:
    checked = tuple(items)
    if not all(isinstance(item, LineItem) for item in checked):
        raise RuleViolation("items must be LineItem values", "items")
    return checked


class DealProposals:
    """All proposal versions of one deal, and the rules that span them.

    Version n+1 starts as a copy of version n's items; at most one version is
    ever accepted, because the contract and the order are drafted from it.
    """

    def __init__(self, deal_id: str, quotes: Iterable[Quote] = ()) -> None:
        self.deal_id = require_text(deal_id, "deal_id")
        self._quotes = sorted(quotes, key=lambda quote: quote.version)
        self._check_loaded_versions()

    @property
    def versions(self) -> tuple[Quote, ...]:
        return tuple(self._quotes)

    @property
    def latest(self) -> Quote | None:
        return self._quotes[-1] if self._quotes else None

    @property
    def accepted(self) -> Quote | None:
        return next((q for q in self._quotes if q.status is QuoteStatus.ACCEPTED), None)

    def get(self, version: int) -> Quote:
        for quote in self._quotes:
            if quote.version == version:
                return quote
        raise RuleViolation(f"deal {self.deal_id} has no proposal version {version}", "version")

    def new_version(
        self,
        *,
        by: str,
        at: datetime,
        valid_until: date,
        items: Iterable[LineItem] | None = None,
        currency: str | None = None,
        notes: str = "",
    ) -> Quote:
        """Start the next version, copying the previous version's currency and items by default."""
        self._refuse_new_version_while_open()
        previous = self.latest
        if previous is not None:
            require_not_before(require_aware(at, "at"), previous.created_at, "at")
        quote = Quote(
            deal_id=self.deal_id,
            version=1 if previous is None else previous.version + 1,
            currency=self._currency_for(previous, currency, items),
            valid_until=valid_until,
            created_by=by,
            created_at=at,
            items=tuple(items) if items is not None else (previous.items if previous else ()),
            notes=notes,
        )
        self._quotes.append(quote)
        return quote

    def accept(self, version: int, *, at: datetime, business_zone: tzinfo = timezone.utc) -> Quote:
        accepted = self.accepted
        if accepted is not None:
            raise AlreadyAccepted(
                f"deal {self.deal_id} already accepted proposal version {accepted.version}"
            )
        quote = self.get(version)
        quote._accept(at, business_zone)
        return quote

    def _refuse_new_version_while_open(self) -> None:
        accepted = self.accepted
        if accepted is not None:
            raise AlreadyAccepted(
                f"proposal version {accepted.version} is accepted; no new version can be made"
            )
        latest = self.latest
        if latest is not None and latest.status is QuoteStatus.DRAFT:
            raise IllegalTransition(f"version {latest.version} is still a draft; edit it instead")

    @staticmethod
    def _currency_for(previous: Quote | None, currency: str | None, items: Iterable[LineItem] | None) -> str:
        if previous is None:
            if currency is None:
                raise RuleViolation("the first proposal needs a currency", "currency")
            return currency
        if currency is None or require_currency(currency) == previous.currency:
            return previous.currency
        if items is None:
            # The copied prices are in the old currency; converting them silently would misquote.
            raise RuleViolation("changing the currency needs new line items", "items")
        return currency

    def _check_loaded_versions(self) -> None:
        expected = list(range(1, len(self._quotes) + 1))
        if [quote.version for quote in self._quotes] != expected:
            raise RuleViolation("proposal versions must run 1, 2, 3 ... without gaps", "version")
        if any(quote.deal_id != self.deal_id for quote in self._quotes):
            raise RuleViolation("every proposal must belong to this deal", "deal_id")
        if sum(quote.status is QuoteStatus.ACCEPTED for quote in self._quotes) > 1:
            raise RuleViolation("a deal cannot have more than one accepted proposal", "status")
