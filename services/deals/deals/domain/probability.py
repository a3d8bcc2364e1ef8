"""Win probability per stage, the owner's override, and the A/B/C grade.

Probabilities are percentages held as ``Decimal`` (60 means 60 %). A company
can configure its own stage table and grade thresholds; the defaults follow
the usual funnel (qualification 10 ... contract_review 80).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from .errors import RuleViolation
from .stages import OPEN_STAGES, Stage, parse_stage
from .validation import HUNDRED, require_percent

# A closed deal's outcome is known; no table or override can change these.
CLOSED_PROBABILITIES: Mapping[Stage, Decimal] = MappingProxyType(
    {Stage.WON: HUNDRED, Stage.LOST: Decimal(0)}
)
DEFAULT_OPEN_PROBABILITIES: Mapping[Stage, Decimal] = MappingProxyType(
    {
        Stage.QUALIFICATION: Decimal(10),
        Stage.NEEDS_ANALYSIS: Decimal(20),
        Stage.PROPOSAL: Decimal(40),
        Stage.NEGOTIATION: Decimal(60),
        Stage.CONTRACT_REVIEW: Decimal(80),
    }
)


@dataclass(frozen=True)
class StageProbabilities:
    """A company's default win probability for each open stage."""

    open_stages: Mapping[Stage, Decimal] = field(default_factory=lambda: DEFAULT_OPEN_PROBABILITIES)

    def __post_init__(self) -> None:
        table = {parse_stage(stage): value for stage, value in self.open_stages.items()}
        missing = [stage.value for stage in OPEN_STAGES if stage not in table]
        if missing:
            raise RuleViolation(f"no probability for stage(s) {', '.join(missing)}", "open_stages")
        if any(stage.is_closed for stage in table):
            raise RuleViolation("won and lost probabilities are fixed at 100 and 0", "open_stages")
        checked = {stage: require_percent(table[stage], f"open_stages.{stage}") for stage in OPEN_STAGES}
        _require_non_decreasing(checked)
        object.__setattr__(self, "open_stages", MappingProxyType(checked))

    def __hash__(self) -> int:
        return hash(tuple(self.open_stages.items()))

    def for_stage(self, stage: Stage | str) -> Decimal:
        stage = parse_stage(stage)
        if stage.is_closed:
            return CLOSED_PROBABILITIES[stage]
        return self.open_stages[stage]


def _require_non_decreasing(table: Mapping[Stage, Decimal]) -> None:
    # A later stage that is less likely to close than an earlier one is a typo, not a policy.
    for earlier, later in zip(OPEN_STAGES, OPEN_STAGES[1:], strict=False):
        if table[later] < table[earlier]:
            raise RuleViolation(
                f"{later} ({table[later]}) cannot be less likely than {earlier} ({table[earlier]})",
                "open_stages",
            )


DEFAULT_STAGE_PROBABILITIES = StageProbabilities()


def default_probability(
    stage: Stage | str, table: StageProbabilities = DEFAULT_STAGE_PROBABILITIES
) -> Decimal:
    return table.for_stage(stage)


def win_probability(
    stage: Stage | str,
    override: Decimal | None = None,
    table: StageProbabilities = DEFAULT_STAGE_PROBABILITIES,
) -> Decimal:
    """The probability a forecast should use: the owner's override while the deal is open."""
    stage = parse_stage(stage)
    if stage.is_closed or override is None:
        return table.for_stage(stage)
    return require_percent(override, "probability_override")


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"


@dataclass(frozen=True)
class GradeThresholds:
    """Lowest probability (inclusive) for grade A and for grade B; below B is C."""

    a_from: Decimal = Decimal(70)
    b_from: Decimal = Decimal(30)

    def __post_init__(self) -> None:
        a_from = require_percent(self.a_from, "a_from")
        b_from = require_percent(self.b_from, "b_from")
        if not a_from > b_from:
            raise RuleViolation("the A threshold must be above the B threshold", "a_from")
        object.__setattr__(self, "a_from", a_from)
        object.__setattr__(self, "b_from", b_from)

    def grade(self, probability: Decimal) -> Grade:
        value = require_percent(probability, "probability")
        if value >= self.a_from:
            return Grade.A
        if value >= self.b_from:
            return Grade.B
        return Grade.C


DEFAULT_GRADE_THRESHOLDS = GradeThresholds()


def grade_for(probability: Decimal, thresholds: GradeThresholds = DEFAULT_GRADE_THRESHOLDS) -> Grade:
    return thresholds.grade(probability)

