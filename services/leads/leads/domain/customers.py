"""Customer accounts: category, ABC class fed back from KPIs, and purchase history fed by deals.

Both feeds arrive as events, possibly twice and out of order, so each update
here is safe to repeat and to receive late.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum

from .errors import InvalidField, RuleViolation
from .money import Money, parse_decimal, require_currency
from .times import optional_aware, require_aware


class CustomerCategory(str, Enum):
    KEY_ACCOUNT = "key_account"
    SMB = "smb"
    PROSPECT = "prospect"


class AbcClass(str, Enum):
    """Pareto class by trailing revenue, computed by the KPI service."""

    A = "A"
    B = "B"
    C = "C"


def parse_abc_class(value: AbcClass | str, field_name: str = "abc_class") -> AbcClass:
    try:
        return AbcClass(value)
    except ValueError:
        raise InvalidField(field_name, f"{value!r} is not A, B or C") from None


def parse_category(value: CustomerCategory | str) -> CustomerCategory:
    try:
        return CustomerCategory(value)
    except ValueError:
        known = ", ".join(category.value for category in CustomerCategory)
        raise InvalidField("category", f"{value!r} is not one of {known}") from None


# --- purchase history ------------------------------------------------------


class DealResult(str, Enum):
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class DealOutcome:
    """The facts of a deals.deal.won / deals.deal.lost event that history needs."""

    deal_id: str
    result: DealResult
    closed_at: datetime
    amount: Money | None = None

    def __post_init__(self) -> None:
        if not self.deal_id:
            raise InvalidField("deal_id", "is required")
        try:
            object.__setattr__(self, "result", DealResult(self.result))
        except ValueError:
            raise InvalidField("result", f"{self.result!r} is not won or lost") from None
        require_aware(self.closed_at, "closed_at")
        if self.result is DealResult.WON:
            if not isinstance(self.amount, Money):
                raise InvalidField("amount", "a won deal needs its amount")
            if self.amount.amount < 0:
                raise InvalidField("amount", "must not be negative")


@dataclass(frozen=True)
class PurchaseHistory:
    """Won/lost counts and won totals kept per currency — never summed across currencies."""

    won_count: int = 0
    lost_count: int = 0
    won_totals: Mapping[str, Decimal] = field(default_factory=dict)
    last_deal_at: datetime | None = None
    processed_deal_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "won_totals", dict(self.won_totals))
        object.__setattr__(self, "processed_deal_ids", frozenset(self.processed_deal_ids))
        optional_aware(self.last_deal_at, "last_deal_at")

    def __hash__(self) -> int:
        return hash((self.won_count, self.lost_count, tuple(sorted(self.won_totals.items())),
                     self.last_deal_at, self.processed_deal_ids))

    def won_total(self, currency: str) -> Money:
        return Money(self.won_totals.get(require_currency(currency, "currency"), Decimal(0)), currency)

    def won_total_in(self, currency: str, rates: Mapping[str, Decimal]) -> Money:
        """All won amounts in ``currency``; ``rates`` maps each other currency to it.

        A missing rate is an error rather than a skipped amount: a total that
        silently leaves out the dollar deals looks right and is wrong.
        """
        require_currency(currency, "currency")
        total = Money(Decimal(0), currency)
        for code, amount in sorted(self.won_totals.items()):
            if code == currency:
                total += Money(amount, code)
            elif code in rates:
                total += Money(amount, code).converted(parse_decimal(rates[code], f"rates.{code}"), currency)
            else:
                raise RuleViolation(f"no exchange rate from {code} to {currency}")
        return total


def record_deal_outcome(history: PurchaseHistory, outcome: DealOutcome) -> PurchaseHistory:
    """History with the deal counted; a deal id already counted leaves it unchanged."""
    if outcome.deal_id in history.processed_deal_ids:
        return history
    last = outcome.closed_at if history.last_deal_at is None else max(history.last_deal_at, outcome.closed_at)
    processed = history.processed_deal_ids | {outcome.deal_id}
    if outcome.result is DealResult.LOST:
        return replace(history, lost_count=history.lost_count + 1,
                       last_deal_at=last, processed_deal_ids=processed)
    assert outcome.amount is not None  # DealOutcome refuses a won deal without its amount
    totals = dict(history.won_totals)
    currency = outcome.amount.currency
    totals[currency] = totals.get(currency, Decimal(0)) + outcome.amount.amount
    return replace(history, won_count=history.won_count + 1, won_totals=totals,
                   last_deal_at=last, processed_deal_ids=processed)


# --- customer --------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    category: CustomerCategory = CustomerCategory.PROSPECT
    abc_class: AbcClass | None = None
    classified_as_of: datetime | None = None
    history: PurchaseHistory = field(default_factory=PurchaseHistory)

    def __post_init__(self) -> None:
        if not self.customer_id:
            raise InvalidField("customer_id", "is required")
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidField("name", "is required")
        object.__setattr__(self, "category", parse_category(self.category))
        if self.abc_class is not None:
            object.__setattr__(self, "abc_class", parse_abc_class(self.abc_class))
        optional_aware(self.classified_as_of, "classified_as_of")


@dataclass(frozen=True)
class ClassificationResult:
    customer: Customer
    applied: bool
    reason: str


def apply_classification(customer: Customer, new_class: AbcClass | str, as_of: datetime) -> ClassificationResult:
    """Take the KPI service's class unless we already hold one computed at or after ``as_of``.

    Classification events can arrive late or be redelivered; comparing the
    classification's own time (not arrival time) keeps the newest one. An
    equal time is treated as a repeat and ignored, so a redelivery is a no-op.
    """
    new_class = parse_abc_class(new_class)
    require_aware(as_of, "as_of")
    held = customer.classified_as_of
    if held is not None and as_of <= held:
        return ClassificationResult(
            customer, False, f"classification as of {as_of.isoformat()} is not newer than {held.isoformat()}"
        )
    updated = replace(customer, abc_class=new_class, classified_as_of=as_of)
    return ClassificationResult(updated, True, f"class {new_class.value} as of {as_of.isoformat()}")


def record_customer_deal(customer: Customer, outcome: DealOutcome) -> Customer:
    return replace(customer, history=record_deal_outcome(customer.history, outcome))


def change_category(customer: Customer, category: CustomerCategory | str) -> Customer:
    return replace(customer, category=parse_category(category))
