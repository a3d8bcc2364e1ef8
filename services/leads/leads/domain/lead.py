"""What the rules know about a lead: its source and the facts grading and assignment read."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from .errors import InvalidField
from .money import Money, parse_decimal
from .times import require_aware


class LeadSource(str, Enum):
    WEB_FORM = "web_form"
    REFERRAL = "referral"
    CAMPAIGN = "campaign"
    SOCIAL = "social"
    TRADE_SHOW = "trade_show"
    PHONE = "phone"
    STOREFRONT = "storefront"
    IMPORT = "import"


def skill_code(value: str) -> str:
    """One spelling for product-line, region and industry codes, whoever typed them."""
    return value.strip().casefold()


def skill_codes(values: Iterable[str | None]) -> frozenset[str]:
    return frozenset(skill_code(value) for value in values if value and value.strip())


@dataclass(frozen=True)
class LeadFacts:
    """The inputs of grading and assignment, as captured with the lead.

    ``budget_rate`` converts the budget's currency into the grading rule set's
    currency (the company currency); it is needed only when the two differ.
    """

    lead_id: str
    source: LeadSource
    captured_at: datetime
    product_lines: frozenset[str] = field(default_factory=frozenset)
    region: str | None = None
    industry: str | None = None
    budget: Money | None = None
    budget_rate: Decimal | None = None
    expected_purchase_by: date | None = None
    company_size: int | None = None
    needs: str = ""

    def __post_init__(self) -> None:
        if not self.lead_id:
            raise InvalidField("lead_id", "is required")
        try:
            object.__setattr__(self, "source", LeadSource(self.source))
        except ValueError:
            known = ", ".join(source.value for source in LeadSource)
            raise InvalidField("source", f"{self.source!r} is not one of {known}") from None
        require_aware(self.captured_at, "captured_at")
        object.__setattr__(self, "product_lines", skill_codes(self.product_lines))
        object.__setattr__(self, "region", _optional_code(self.region))
        object.__setattr__(self, "industry", _optional_code(self.industry))
        if self.budget is not None and not isinstance(self.budget, Money):
            raise InvalidField("budget", "must be Money")
        if self.budget is not None and self.budget.amount < 0:
            raise InvalidField("budget", "must not be negative")
        if self.budget_rate is not None:
            rate = parse_decimal(self.budget_rate, "budget_rate")
            if rate <= 0:
                raise InvalidField("budget_rate", "must be positive")
            object.__setattr__(self, "budget_rate", rate)
        if self.company_size is not None and (
            isinstance(self.company_size, bool)
            or not isinstance(self.company_size, int)
            or self.company_size < 0
        ):
            raise InvalidField("company_size", "must be a non-negative whole number")
        object.__setattr__(self, "needs", self.needs or "")


def _optional_code(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return skill_code(value)
