"""The kinds of grading rule: each is data, evaluates one aspect of a lead, and says why.

A rule returns a Contribution even when it awards nothing, with the reason,
so a grade can be explained in full. ``RULE_KINDS`` maps the "kind" used in
JSON configuration to the class that reads it.
"""

import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from .config import ConfigReader, read_int, read_list, read_texts
from .errors import InvalidField
from .lead import LeadFacts, LeadSource, skill_codes
from .money import parse_decimal, require_currency


@dataclass(frozen=True)
class Contribution:
    rule_id: str
    description: str
    points: int


@dataclass(frozen=True)
class NeedFitRule:
    """Points when a product line the lead wants is one we sell.

    An empty ``product_lines`` means "whatever is on our capture form is ours":
    then any stated interest counts as a fit.
    """

    kind: ClassVar[str] = "need_fit"
    rule_id: str
    points: int
    product_lines: frozenset[str] = frozenset()

    def evaluate(self, facts: LeadFacts, today: date) -> Contribution:
        wanted = facts.product_lines
        if not wanted:
            return Contribution(self.rule_id, "no product line of interest stated", 0)
        matched = wanted & self.product_lines if self.product_lines else wanted
        if not matched:
            return Contribution(
                self.rule_id, f"no product line of interest is ours ({_listed(wanted)})", 0
            )
        return Contribution(self.rule_id, f"wants product lines we sell: {_listed(matched)}", self.points)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.rule_id, "kind": self.kind, "points": self.points,
                "product_lines": sorted(self.product_lines)}

    @classmethod
    def from_dict(cls, reader: ConfigReader, rule_id: str) -> "NeedFitRule":
        return cls(
            rule_id=rule_id,
            points=read_int(reader.required("points"), reader.path_of("points")),
            product_lines=skill_codes(read_texts(reader.optional("product_lines", []), reader.path_of("product_lines"))),
        )


@dataclass(frozen=True, order=True)
class BudgetTier:
    min_amount: Decimal
    points: int


@dataclass(frozen=True)
class BudgetRule:
    """Points by the highest budget tier reached, in the rule's currency.

    A budget in another currency counts only through the rate captured with
    the lead; without one the rule awards nothing rather than guessing.
    """

    kind: ClassVar[str] = "budget"
    rule_id: str
    currency: str
    tiers: tuple[BudgetTier, ...]

    def __post_init__(self) -> None:
        require_currency(self.currency, "currency")
        _require_tiers([tier.min_amount for tier in self.tiers], "min_amount")
        object.__setattr__(self, "tiers", tuple(sorted(self.tiers, reverse=True)))

    def evaluate(self, facts: LeadFacts, today: date) -> Contribution:
        budget = facts.budget
        if budget is None:
            return Contribution(self.rule_id, "no budget stated", 0)
        if budget.currency == self.currency:
            amount, shown = budget.amount, f"budget {budget}"
        elif facts.budget_rate is not None:
            amount = budget.amount * facts.budget_rate
            shown = f"budget {budget} = {amount} {self.currency} at rate {facts.budget_rate}"
        else:
            return Contribution(
                self.rule_id, f"budget {budget} has no rate to {self.currency}, not counted", 0
            )
        for tier in self.tiers:
            if amount >= tier.min_amount:
                return Contribution(
                    self.rule_id, f"{shown} >= {tier.min_amount} {self.currency}", tier.points
                )
        lowest = self.tiers[-1].min_amount
        return Contribution(self.rule_id, f"{shown} < {lowest} {self.currency}", 0)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.rule_id, "kind": self.kind, "currency": self.currency,
                "tiers": [{"min_amount": str(t.min_amount), "points": t.points} for t in self.tiers]}

    @classmethod
    def from_dict(cls, reader: ConfigReader, rule_id: str) -> "BudgetRule":
        tiers = []
        for path, tier in _tier_readers(reader):
            tiers.append(BudgetTier(
                min_amount=parse_decimal(tier.required("min_amount"), f"{path}.min_amount"),
                points=read_int(tier.required("points"), f"{path}.points"),
            ))
            tier.finish()
        return cls(rule_id=rule_id,
                   currency=require_currency(reader.required("currency"), reader.path_of("currency")),
                   tiers=tuple(tiers))


@dataclass(frozen=True, order=True)
class TimeframeTier:
    within_days: int
    points: int


@dataclass(frozen=True)
class TimeframeRule:
    """Intent: points by how soon the lead expects to buy (the tightest window reached).

    A purchase date already in the past at grading time is a typing mistake
    more often than a sign of intent, so it earns nothing.
    """

    kind: ClassVar[str] = "timeframe"
    rule_id: str
    tiers: tuple[TimeframeTier, ...]

    def __post_init__(self) -> None:
        _require_tiers([tier.within_days for tier in self.tiers], "within_days")
        object.__setattr__(self, "tiers", tuple(sorted(self.tiers)))

    def evaluate(self, facts: LeadFacts, today: date) -> Contribution:
        expected = facts.expected_purchase_by
        if expected is None:
            return Contribution(self.rule_id, "no purchase timeframe stated", 0)
        days = (expected - today).days
        if days < 0:
            return Contribution(self.rule_id, f"expected purchase date {expected} has passed", 0)
        for tier in self.tiers:
            if days <= tier.within_days:
                return Contribution(
                    self.rule_id,
                    f"expects to buy in {days} days (within {tier.within_days})",
                    tier.points,
                )
        return Contribution(self.rule_id, f"expects to buy in {days} days, later than any window", 0)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.rule_id, "kind": self.kind,
                "tiers": [{"within_days": t.within_days, "points": t.points} for t in self.tiers]}

    @classmethod
    def from_dict(cls, reader: ConfigReader, rule_id: str) -> "TimeframeRule":
        tiers = []
        for path, tier in _tier_readers(reader):
            tiers.append(TimeframeTier(
                within_days=read_int(tier.required("within_days"), f"{path}.within_days", minimum=0),
                points=read_int(tier.required("points"), f"{path}.points"),
            ))
            tier.finish()
        return cls(rule_id=rule_id, tiers=tuple(tiers))


@dataclass(frozen=True)
class SourceRule:
    """Points by source channel; a channel not listed weighs nothing."""

    kind: ClassVar[str] = "source"
    rule_id: str
    weights: Mapping[LeadSource, int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", dict(self.weights))

    def __hash__(self) -> int:
        return hash((self.rule_id, tuple(sorted(self.weights.items()))))

    def evaluate(self, facts: LeadFacts, today: date) -> Contribution:
        points = self.weights.get(facts.source, 0)
        return Contribution(self.rule_id, f"source {facts.source.value}", points)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.rule_id, "kind": self.kind,
                "weights": {source.value: points for source, points in self.weights.items()}}

    @classmethod
    def from_dict(cls, reader: ConfigReader, rule_id: str) -> "SourceRule":
        path = reader.path_of("weights")
        raw = ConfigReader(reader.required("weights"), path)
        weights = {}
        for source in LeadSource:
            if (points := raw.optional(source.value)) is not None:
                weights[source] = read_int(points, f"{path}.{source.value}")
        raw.finish()
        return cls(rule_id=rule_id, weights=weights)


@dataclass(frozen=True, order=True)
class CompanySizeTier:
    min_employees: int
    points: int


@dataclass(frozen=True)
class CompanySizeRule:
    """Potential value: points by the largest head-count tier reached."""

    kind: ClassVar[str] = "company_size"
    rule_id: str
    tiers: tuple[CompanySizeTier, ...]

    def __post_init__(self) -> None:
        _require_tiers([tier.min_employees for tier in self.tiers], "min_employees")
        object.__setattr__(self, "tiers", tuple(sorted(self.tiers, reverse=True)))

    def evaluate(self, facts: LeadFacts, today: date) -> Contribution:
        size = facts.company_size
        if size is None:
            return Contribution(self.rule_id, "company size unknown", 0)
        for tier in self.tiers:
            if size >= tier.min_employees:
                return Contribution(
                    self.rule_id, f"{size} employees >= {tier.min_employees}", tier.points
                )
        return Contribution(self.rule_id, f"{size} employees, below every tier", 0)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.rule_id, "kind": self.kind,
                "tiers": [{"min_employees": t.min_employees, "points": t.points} for t in self.tiers]}

    @classmethod
    def from_dict(cls, reader: ConfigReader, rule_id: str) -> "CompanySizeRule":
        tiers = []
        for path, tier in _tier_readers(reader):
            tiers.append(CompanySizeTier(
                min_employees=read_int(tier.required("min_employees"), f"{path}.min_employees", minimum=0),
                points=read_int(tier.required("points"), f"{path}.points"),
            ))
            tier.finish()
        return cls(rule_id=rule_id, tiers=tuple(tiers))


@dataclass(frozen=True)
class IntentKeywordsRule:
    """Intent: points per distinct buying signal found in the needs text, capped.

    Latin-script keywords must start a word ("quote" finds "quotes" but not
    "misquote"); CJK has no word breaks, so those keywords match anywhere.
    """

    kind: ClassVar[str] = "intent_keywords"
    rule_id: str
    keywords: tuple[str, ...]
    points_per_match: int
    max_points: int | None = None

    def __post_init__(self) -> None:
        folded = tuple(dict.fromkeys(_fold(keyword) for keyword in self.keywords if keyword.strip()))
        object.__setattr__(self, "keywords", folded)

    def evaluate(self, facts: LeadFacts, today: date) -> Contribution:
        text = _fold(facts.needs)
        found = [keyword for keyword in self.keywords if _mentions(text, keyword)]
        if not found:
            return Contribution(self.rule_id, "no buying signal in the needs text", 0)
        points = len(found) * self.points_per_match
        if self.max_points is not None:
            points = min(points, self.max_points)
        return Contribution(self.rule_id, f"buying signals in needs: {', '.join(found)}", points)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.rule_id, "kind": self.kind, "keywords": list(self.keywords),
                "points_per_match": self.points_per_match, "max_points": self.max_points}

    @classmethod
    def from_dict(cls, reader: ConfigReader, rule_id: str) -> "IntentKeywordsRule":
        max_points = reader.optional("max_points")
        return cls(
            rule_id=rule_id,
            keywords=tuple(read_texts(reader.required("keywords"), reader.path_of("keywords"))),
            points_per_match=read_int(reader.required("points_per_match"), reader.path_of("points_per_match")),
            max_points=None if max_points is None else read_int(max_points, reader.path_of("max_points")),
        )


@dataclass(frozen=True)
class IndustryFitRule:
    """Points when the lead's industry is one the company targets."""

    kind: ClassVar[str] = "industry_fit"
    rule_id: str
    points: int
    industries: frozenset[str]

    def evaluate(self, facts: LeadFacts, today: date) -> Contribution:
        if facts.industry is None:
            return Contribution(self.rule_id, "industry unknown", 0)
        if facts.industry in self.industries:
            return Contribution(self.rule_id, f"target industry {facts.industry}", self.points)
        return Contribution(self.rule_id, f"industry {facts.industry} is not a target", 0)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.rule_id, "kind": self.kind, "points": self.points,
                "industries": sorted(self.industries)}

    @classmethod
    def from_dict(cls, reader: ConfigReader, rule_id: str) -> "IndustryFitRule":
        return cls(
            rule_id=rule_id,
            points=read_int(reader.required("points"), reader.path_of("points")),
            industries=skill_codes(read_texts(reader.required("industries"), reader.path_of("industries"))),
        )


GradingRule = (
    NeedFitRule | BudgetRule | TimeframeRule | SourceRule
    | CompanySizeRule | IntentKeywordsRule | IndustryFitRule
)

RULE_KINDS: dict[str, type[GradingRule]] = {
    rule.kind: rule
    for rule in (NeedFitRule, BudgetRule, TimeframeRule, SourceRule,
                 CompanySizeRule, IntentKeywordsRule, IndustryFitRule)
}


# --- helpers ---------------------------------------------------------------


def _listed(codes: Iterable[str]) -> str:
    return ", ".join(sorted(codes))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def _mentions(text: str, keyword: str) -> bool:
    if keyword.isascii():
        return re.search(r"(?<![a-z0-9])" + re.escape(keyword), text) is not None
    return keyword in text


def _require_tiers(values: Sequence[Hashable], key: str) -> None:
    if not values:
        raise InvalidField("tiers", "needs at least one tier")
    require_distinct(values, "tiers", key)


def require_distinct(values: Sequence[Hashable], path: str, key: str) -> None:
    seen: set[Hashable] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise InvalidField(f"{path}[{index}].{key}", f"{value} appears twice")
        seen.add(value)


def _tier_readers(reader: ConfigReader) -> Iterator[tuple[str, ConfigReader]]:
    path = reader.path_of("tiers")
    for index, item in enumerate(read_list(reader.required("tiers"), path)):
        yield f"{path}[{index}]", ConfigReader(item, f"{path}[{index}]")
