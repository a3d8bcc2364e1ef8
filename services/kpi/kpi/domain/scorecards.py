"""Scorecards: targets and weights per metric, attainment, and the blend of
results with evaluations (supervisor, self, customer, peer).

All percentages are Decimals in percent (attainment 125 means 125 %). Figures
are computed exactly and rounded half-up to 2 places only where reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .errors import InvalidWeights, RuleViolation
from .metric_value import HUNDRED
from .money import quantize_money, require_decimal
from .periods import Period

ZERO = Decimal(0)


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"  # revenue, win rate, CSAT
    LOWER_IS_BETTER = "lower"  # sales cycle, compliance violations


class SubjectKind(StrEnum):
    REP = "rep"
    TEAM = "team"


class EvaluationSource(StrEnum):
    SUPERVISOR = "supervisor"
    SELF = "self"
    CUSTOMER = "customer"
    PEER = "peer"


class MissingActual(StrEnum):
    # A metric without data scores 0: the rep had a target and nothing to show.
    ZERO = "zero"
    # A metric without data is left out and the other weights scale up: for
    # metrics the rep cannot produce alone (e.g. CSAT with no survey answered).
    EXCLUDE = "exclude"


def check_weights(weights: Iterable[Decimal], what: str) -> None:
    weights = [require_decimal(weight, what) for weight in weights]
    if any(weight < 0 for weight in weights):
        raise InvalidWeights(f"{what} cannot be negative")
    if sum(weights, ZERO) != HUNDRED:
        raise InvalidWeights(f"{what} add up to {sum(weights, ZERO)}, not 100")


@dataclass(frozen=True)
class MetricTarget:
    metric: str
    target: Decimal
    weight_percent: Decimal
    direction: Direction = Direction.HIGHER_IS_BETTER

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))
        target = require_decimal(self.target, f"target of {self.metric}")
        if target < 0 or (target == 0 and self.direction is Direction.HIGHER_IS_BETTER):
            raise RuleViolation(f"target of {self.metric} must be positive, got {target}")
        object.__setattr__(self, "target", target)
        weight = require_decimal(self.weight_percent, f"weight of {self.metric}")
        object.__setattr__(self, "weight_percent", weight)


def _default_evaluation_weights() -> dict[EvaluationSource, Decimal]:
    return {
        EvaluationSource.SUPERVISOR: Decimal(50),
        EvaluationSource.SELF: Decimal(10),
        EvaluationSource.CUSTOMER: Decimal(20),
        EvaluationSource.PEER: Decimal(20),
    }


@dataclass(frozen=True)
class ScoringRules:
    attainment_cap_percent: Decimal | None = None  # e.g. 150: no metric counts above
    results_weight_percent: Decimal = Decimal(70)  # the rest goes to evaluations
    evaluation_weights: Mapping[EvaluationSource, Decimal] = field(
        default_factory=_default_evaluation_weights
    )
    missing_actual: MissingActual = MissingActual.ZERO

    def __post_init__(self) -> None:
        results = require_decimal(self.results_weight_percent, "results weight")
        if not ZERO <= results <= HUNDRED:
            raise InvalidWeights(f"results weight {results} is not between 0 and 100")
        object.__setattr__(self, "results_weight_percent", results)
        if self.attainment_cap_percent is not None:
            cap = require_decimal(self.attainment_cap_percent, "attainment cap")
            if cap < HUNDRED:
                raise RuleViolation("an attainment cap below 100 % would punish hitting target")
            object.__setattr__(self, "attainment_cap_percent", cap)
        try:
            weights = {EvaluationSource(source): require_decimal(weight, "evaluation weight")
                       for source, weight in self.evaluation_weights.items()}
        except ValueError as error:
            raise InvalidWeights(f"unknown evaluation source: {error}") from error
        check_weights(weights.values(), "evaluation weights")
        object.__setattr__(self, "evaluation_weights", weights)
        object.__setattr__(self, "missing_actual", MissingActual(self.missing_actual))


@dataclass(frozen=True)
class Scorecard:
    subject: str  # a rep id or a team id
    subject_kind: SubjectKind
    period: Period
    targets: tuple[MetricTarget, ...]
    rules: ScoringRules = field(default_factory=ScoringRules)

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(self.targets))
        if not self.targets:
            raise RuleViolation(f"scorecard of {self.subject} has no targets")
        names = [target.metric for target in self.targets]
        if len(set(names)) != len(names):
            raise RuleViolation(f"scorecard of {self.subject} names a metric twice")
        check_weights((t.weight_percent for t in self.targets), "metric weights")


@dataclass(frozen=True)
class Evaluation:
    source: EvaluationSource
    score: Decimal  # 0-100
    evaluator: str | None = None

    def __post_init__(self) -> None:
        score = require_decimal(self.score, "evaluation score")
        if not ZERO <= score <= HUNDRED:
            raise RuleViolation(f"evaluation score {score} is not between 0 and 100")
        object.__setattr__(self, "score", score)


@dataclass(frozen=True)
class ScoreLine:
    metric: str
    actual: Decimal | None
    target: Decimal
    weight_percent: Decimal
    attainment_percent: Decimal | None  # as achieved, before any cap
    counted_percent: Decimal | None  # after cap and no-data policy; None = excluded
    points: Decimal  # counted attainment × weight / 100
    note: str = ""


@dataclass(frozen=True)
class ScorecardResult:
    subject: str
    period: Period
    lines: tuple[ScoreLine, ...]
    results_score: Decimal | None
    evaluation_score: Decimal | None
    evaluation_by_source: Mapping[EvaluationSource, Decimal]
    final_score: Decimal | None
    note: str = ""


def attainment_percent(actual: Decimal, target: Decimal, direction: Direction) -> Decimal:
    """Higher is better: actual / target. Lower is better: (2·target − actual) /
    target, i.e. 100 % on target, 200 % at zero, 0 % at twice the target — a
    finite, linear mirror of the first. Never below 0 %, so one bad metric
    cannot take points away from the others."""
    if direction is Direction.HIGHER_IS_BETTER:
        raw = actual / target * HUNDRED
    elif target == 0:
        raw = HUNDRED if actual <= 0 else ZERO
    else:
        raw = (2 * target - actual) / target * HUNDRED
    return max(raw, ZERO)


def _line(target: MetricTarget, actual: Decimal | None, rules: ScoringRules) -> ScoreLine:
    if actual is None:
        if rules.missing_actual is MissingActual.EXCLUDE:
            return ScoreLine(target.metric, None, target.target, target.weight_percent,
                             None, None, ZERO, "no data: left out, other weights scaled up")
        return ScoreLine(target.metric, None, target.target, target.weight_percent,
                         None, ZERO, ZERO, "no data: counted as 0 %")
    achieved = attainment_percent(actual, target.target, target.direction)
    counted, note = achieved, ""
    cap = rules.attainment_cap_percent
    if cap is not None and achieved > cap:
        counted, note = cap, f"capped at {cap} %"
    return ScoreLine(target.metric, actual, target.target, target.weight_percent,
                     achieved, counted, counted * target.weight_percent / HUNDRED, note)


def _results_score(lines: list[ScoreLine]) -> Decimal | None:
    counted = [line for line in lines if line.counted_percent is not None]
    weight = sum((line.weight_percent for line in counted), ZERO)
    if weight == 0:
        return None
    return sum((line.points for line in counted), ZERO) * HUNDRED / weight


def _evaluation_score(evaluations: Iterable[Evaluation], rules: ScoringRules
                      ) -> tuple[Decimal | None, dict[EvaluationSource, Decimal]]:
    """Each source's scores are averaged (several peers); the sources present
    share the evaluation weight in proportion to their configured weights."""
    scores: dict[EvaluationSource, list[Decimal]] = defaultdict(list)
    for evaluation in evaluations:
        scores[evaluation.source].append(evaluation.score)
    by_source = {source: sum(values, ZERO) / len(values) for source, values in scores.items()}
    weighted = {s: rules.evaluation_weights.get(s, ZERO) for s in by_source}
    total_weight = sum(weighted.values(), ZERO)
    if total_weight == 0:
        return None, by_source
    blended = sum((by_source[s] * weighted[s] for s in by_source), ZERO) / total_weight
    return blended, by_source


def score(scorecard: Scorecard, actuals: Mapping[str, Decimal | None],
          evaluations: Iterable[Evaluation] = ()) -> ScorecardResult:
    """Score a scorecard: actuals by metric name (None or absent = no data)."""
    rules = scorecard.rules
    lines = [_line(t, actuals.get(t.metric), rules) for t in scorecard.targets]
    results = _results_score(lines)
    evaluation, by_source = _evaluation_score(evaluations, rules)
    final, note = _blend(results, evaluation, rules.results_weight_percent)
    return ScorecardResult(
        subject=scorecard.subject,
        period=scorecard.period,
        lines=tuple(_rounded(line) for line in lines),
        results_score=_round(results),
        evaluation_score=_round(evaluation),
        evaluation_by_source={s: quantize_money(v) for s, v in by_source.items()},
        final_score=_round(final),
        note=note,
    )


def _blend(results: Decimal | None, evaluation: Decimal | None,
           results_weight: Decimal) -> tuple[Decimal | None, str]:
    if results is None and evaluation is None:
        return None, "no results and no evaluations"
    if results_weight == HUNDRED:
        return results, ""
    if results_weight == 0:
        return evaluation, ""
    if evaluation is None:
        return results, "no evaluations: results score only"
    if results is None:
        return evaluation, "no results: evaluation score only"
    evaluation_weight = HUNDRED - results_weight
    return (results * results_weight + evaluation * evaluation_weight) / HUNDRED, ""


def _round(value: Decimal | None) -> Decimal | None:
    return None if value is None else quantize_money(value)


def _rounded(line: ScoreLine) -> ScoreLine:
    return ScoreLine(line.metric, line.actual, line.target, line.weight_percent,
                     _round(line.attainment_percent), _round(line.counted_percent),
                     quantize_money(line.points), line.note)
