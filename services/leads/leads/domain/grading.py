"""Explainable lead grading: a versioned rule set turns lead facts into a score and a grade.

Each rule is data (it can be loaded from JSON) and reports what it saw, so the
grade can always be explained: the contributions add up to the score, and the
score against the thresholds gives the grade. Rules that award nothing are
listed too, with the reason, because "why is this lead low?" is the question
a rep asks most.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .config import ConfigReader, read_int, read_list, read_text
from .errors import InvalidField
from .grading_rules import (
    RULE_KINDS,
    BudgetRule,
    BudgetTier,
    CompanySizeRule,
    CompanySizeTier,
    Contribution,
    GradingRule,
    IndustryFitRule,
    IntentKeywordsRule,
    NeedFitRule,
    SourceRule,
    TimeframeRule,
    TimeframeTier,
    require_distinct,
)
from .lead import LeadFacts, LeadSource
from .times import require_aware

__all__ = [
    "DEFAULT_RULESET", "RULE_KINDS", "BudgetRule", "BudgetTier", "CompanySizeRule", "CompanySizeTier",
    "Contribution", "Grade", "Grading", "IndustryFitRule", "IntentKeywordsRule", "NeedFitRule",
    "Override", "RuleSet", "SourceRule", "Thresholds", "TimeframeRule", "TimeframeTier",
    "grade", "override_grade", "ruleset_from_dict",
]


class Grade(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Override:
    previous_grade: Grade
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Grading:
    score: int
    grade: Grade
    contributions: tuple[Contribution, ...]
    ruleset_version: str
    computed_grade: Grade
    override: Override | None = None

    @property
    def overridden(self) -> bool:
        return self.override is not None


# --- rule set --------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    high: int
    medium: int

    def __post_init__(self) -> None:
        if self.high < self.medium:
            raise InvalidField("thresholds.high", "must not be below thresholds.medium")

    def grade_for(self, score: int) -> Grade:
        if score >= self.high:
            return Grade.HIGH
        if score >= self.medium:
            return Grade.MEDIUM
        return Grade.LOW


@dataclass(frozen=True)
class RuleSet:
    """A versioned grading configuration.

    ``timezone`` is where the business runs: "buy within 30 days" counts
    calendar days there, not in UTC.
    """

    version: str
    thresholds: Thresholds
    rules: tuple[GradingRule, ...]
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise InvalidField("version", "is required")
        object.__setattr__(self, "rules", tuple(self.rules))
        require_distinct([rule.rule_id for rule in self.rules], "rules", "id")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidField("timezone", f"{self.timezone!r} is not a known time zone") from None

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "RuleSet":
        reader = ConfigReader(data, "")
        thresholds = ConfigReader(reader.required("thresholds"), "thresholds")
        built = cls(
            version=read_text(reader.required("version"), "version"),
            thresholds=Thresholds(
                high=read_int(thresholds.required("high"), "thresholds.high"),
                medium=read_int(thresholds.required("medium"), "thresholds.medium"),
            ),
            rules=tuple(_rule_from_dict(item, f"rules[{index}]")
                        for index, item in enumerate(read_list(reader.required("rules"), "rules"))),
            timezone=read_text(reader.optional("timezone", "Asia/Shanghai"), "timezone"),
        )
        thresholds.finish()
        reader.finish()
        return built

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "timezone": self.timezone,
            "thresholds": {"high": self.thresholds.high, "medium": self.thresholds.medium},
            "rules": [rule.to_dict() for rule in self.rules],
        }


def ruleset_from_dict(data: Mapping[str, object]) -> RuleSet:
    return RuleSet.from_dict(data)


def _rule_from_dict(data: object, path: str) -> GradingRule:
    reader = ConfigReader(data, path)
    rule_id = read_text(reader.required("id"), reader.path_of("id"))
    kind = reader.required("kind")
    rule_class = RULE_KINDS.get(kind) if isinstance(kind, str) else None
    if rule_class is None:
        raise InvalidField(reader.path_of("kind"), f"must be one of {', '.join(sorted(RULE_KINDS))}")
    try:
        rule = rule_class.from_dict(reader, rule_id)
    except InvalidField as error:
        # Checks made by the rule itself know only their own field names.
        if error.field.startswith(path):
            raise
        raise InvalidField(f"{path}.{error.field}", error.reason) from None
    reader.finish()
    return rule


# --- grading ---------------------------------------------------------------


def grade(facts: LeadFacts, ruleset: RuleSet, as_of: datetime | None = None) -> Grading:
    """Score the lead with every rule; ``as_of`` defaults to when it was captured.

    Grading as of capture keeps a re-grade under the same rule set stable: the
    lead does not lose timeframe points just because a week has passed.
    """
    moment = require_aware(as_of, "as_of") if as_of is not None else facts.captured_at
    today = moment.astimezone(ZoneInfo(ruleset.timezone)).date()
    contributions = tuple(rule.evaluate(facts, today) for rule in ruleset.rules)
    score = sum(contribution.points for contribution in contributions)
    computed = ruleset.thresholds.grade_for(score)
    return Grading(score=score, grade=computed, contributions=contributions,
                   ruleset_version=ruleset.version, computed_grade=computed)


def override_grade(grading: Grading, new_grade: Grade | str, *, reason: str, by: str, at: datetime) -> Grading:
    """A supervisor's decision, kept beside the computed grade rather than over it."""
    try:
        new_grade = Grade(new_grade)
    except ValueError:
        raise InvalidField("grade", f"{new_grade!r} is not high, medium or low") from None
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidField("reason", "an override needs a reason")
    if not isinstance(by, str) or not by.strip():
        raise InvalidField("by", "an override needs the supervisor's id")
    override = Override(previous_grade=grading.grade, reason=reason.strip(), by=by.strip(),
                        at=require_aware(at, "at"))
    return replace(grading, grade=new_grade, override=override)


# --- default -----------------------------------------------------------------

DEFAULT_RULESET = RuleSet(
    version="default-1",
    thresholds=Thresholds(high=60, medium=30),
    rules=(
        NeedFitRule("need_fit", points=25),
        BudgetRule("budget", currency="CNY", tiers=(
            BudgetTier(Decimal("1000000"), 25),
            BudgetTier(Decimal("100000"), 15),
            BudgetTier(Decimal("10000"), 5),
        )),
        TimeframeRule("timeframe", tiers=(
            TimeframeTier(30, 20), TimeframeTier(90, 10), TimeframeTier(180, 5),
        )),
        SourceRule("source", weights={
            LeadSource.REFERRAL: 15, LeadSource.TRADE_SHOW: 10, LeadSource.STOREFRONT: 8,
            LeadSource.PHONE: 8, LeadSource.WEB_FORM: 5, LeadSource.CAMPAIGN: 5,
            LeadSource.SOCIAL: 3, LeadSource.IMPORT: 0,
        }),
        CompanySizeRule("company_size", tiers=(
            CompanySizeTier(1000, 10), CompanySizeTier(200, 6), CompanySizeTier(50, 3),
        )),
        IntentKeywordsRule("intent", points_per_match=5, max_points=15, keywords=(
            "报价", "询价", "采购", "招标", "预算", "合同", "紧急", "急需", "尽快",
            "quote", "quotation", "purchase", "tender", "rfq", "pricing", "urgent", "asap",
        )),
    ),
)
