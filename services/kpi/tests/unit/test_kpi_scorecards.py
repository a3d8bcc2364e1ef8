"""Scorecards worked by hand.

Targets (weights): revenue 20 000 (50), win rate 60 % (20), CSAT 4.5 (10),
sales cycle 40 days, lower is better (20).
Actuals: revenue 14 123.40 → 70.617 %      × 0.5 = 35.3085
         win rate 100 %   → 166.666… %     × 0.2 = 33.3333…
         CSAT 3.8         → 84.444… %      × 0.1 =  8.4444…
         cycle 45.5 days  → (80 − 45.5)/40 = 86.25 % × 0.2 = 17.25
         results score 94.3362777… → 94.34
Evaluations: supervisor 80, self 90, customer 70, peers 60 and 80 (avg 70);
weights 50/10/20/20 → 40 + 9 + 14 + 14 = 77.
Final at 70 % results / 30 % evaluations: 66.0353944… + 23.1 = 89.1353944… → 89.14.
"""

from decimal import Decimal as D

import pytest

from kpi.domain.errors import InvalidWeights, RuleViolation
from kpi.domain.periods import parse_period
from kpi.domain.scorecards import (
    Direction,
    Evaluation,
    EvaluationSource,
    MetricTarget,
    MissingActual,
    Scorecard,
    ScoringRules,
    SubjectKind,
    attainment_percent,
    score,
)

TARGETS = (
    MetricTarget("revenue", D(20000), D(50)),
    MetricTarget("win_rate", D(60), D(20)),
    MetricTarget("csat", D("4.5"), D(10)),
    MetricTarget("sales_cycle_median", D(40), D(20), Direction.LOWER_IS_BETTER),
)
ACTUALS = {"revenue": D("14123.40"), "win_rate": D(100), "csat": D("3.8"),
           "sales_cycle_median": D("45.5")}
EVALUATIONS = [
    Evaluation(EvaluationSource.SUPERVISOR, D(80), "boss"),
    Evaluation(EvaluationSource.SELF, D(90)),
    Evaluation(EvaluationSource.CUSTOMER, D(70)),
    Evaluation(EvaluationSource.PEER, D(60), "r2"),
    Evaluation(EvaluationSource.PEER, D(80), "r3"),
]


def card(tz, rules=ScoringRules(), targets=TARGETS):
    return Scorecard("r1", SubjectKind.REP, parse_period("2026-11", tz), targets, rules)


def test_results_score_and_lines(tz):
    result = score(card(tz), ACTUALS)
    assert result.results_score == D("94.34")
    revenue_line, win_line, csat_line, cycle_line = result.lines
    assert (revenue_line.attainment_percent, revenue_line.points) == (D("70.62"), D("35.31"))
    assert (win_line.attainment_percent, win_line.points) == (D("166.67"), D("33.33"))
    assert (csat_line.attainment_percent, csat_line.points) == (D("84.44"), D("8.44"))
    assert (cycle_line.attainment_percent, cycle_line.points) == (D("86.25"), D("17.25"))


def test_final_score_blends_results_and_evaluations(tz):
    result = score(card(tz), ACTUALS, EVALUATIONS)
    assert result.evaluation_score == D("77.00")
    assert result.evaluation_by_source[EvaluationSource.PEER] == D("70.00")
    assert result.final_score == D("89.14")
    assert result.note == ""


def test_attainment_cap(tz):
    result = score(card(tz, ScoringRules(attainment_cap_percent=D(150))), ACTUALS, EVALUATIONS)
    win_line = result.lines[1]
    assert win_line.attainment_percent == D("166.67")
    assert win_line.counted_percent == D("150.00") and win_line.note == "capped at 150 %"
    # 35.3085 + 30 + 8.4444… + 17.25 = 91.0029…; final 63.7020… + 23.1
    assert result.results_score == D("91.00")
    assert result.final_score == D("86.80")


def test_configurable_blend(tz):
    rules = ScoringRules(results_weight_percent=D(100))
    assert score(card(tz, rules), ACTUALS, EVALUATIONS).final_score == D("94.34")
    rules = ScoringRules(results_weight_percent=D(0))
    assert score(card(tz, rules), ACTUALS, EVALUATIONS).final_score == D("77.00")
    rules = ScoringRules(results_weight_percent=D(50))
    # (94.3362777… + 77) / 2
    assert score(card(tz, rules), ACTUALS, EVALUATIONS).final_score == D("85.67")


def test_missing_evaluation_sources_share_the_evaluation_weight(tz):
    partial = [EVALUATIONS[0], EVALUATIONS[1], Evaluation(EvaluationSource.PEER, D(70))]
    result = score(card(tz), ACTUALS, partial)
    # (80 × 50 + 90 × 10 + 70 × 20) / 80 = 78.75
    assert result.evaluation_score == D("78.75")


def test_no_evaluations_means_results_only(tz):
    result = score(card(tz), ACTUALS)
    assert result.evaluation_score is None
    assert result.final_score == D("94.34")
    assert result.note == "no evaluations: results score only"


def test_missing_actual_counts_as_zero_by_default(tz):
    actuals = {**ACTUALS, "csat": None}
    result = score(card(tz), actuals)
    # 35.3085 + 33.3333… + 0 + 17.25 = 85.8918…
    assert result.results_score == D("85.89")
    assert result.lines[2].note == "no data: counted as 0 %"
    assert score(card(tz), {k: v for k, v in ACTUALS.items() if k != "csat"}).results_score == D(
        "85.89")


def test_missing_actual_can_be_left_out(tz):
    rules = ScoringRules(missing_actual=MissingActual.EXCLUDE)
    result = score(card(tz, rules), {**ACTUALS, "csat": None})
    # 85.8918… × 100 / 90 = 95.4353…
    assert result.results_score == D("95.44")
    assert result.lines[2].counted_percent is None


def test_nothing_to_score(tz):
    rules = ScoringRules(missing_actual=MissingActual.EXCLUDE)
    result = score(card(tz, rules), {})
    assert result.results_score is None and result.final_score is None


@pytest.mark.parametrize(
    ("actual", "target", "direction", "expected"),
    [
        (D(150), D(100), Direction.HIGHER_IS_BETTER, D(150)),
        (D(-10), D(100), Direction.HIGHER_IS_BETTER, D(0)),
        (D(0), D(40), Direction.LOWER_IS_BETTER, D(200)),
        (D(40), D(40), Direction.LOWER_IS_BETTER, D(100)),
        (D(60), D(40), Direction.LOWER_IS_BETTER, D(50)),
        (D(100), D(40), Direction.LOWER_IS_BETTER, D(0)),
        (D(0), D(0), Direction.LOWER_IS_BETTER, D(100)),
        (D(1), D(0), Direction.LOWER_IS_BETTER, D(0)),
    ],
)
def test_attainment(actual, target, direction, expected):
    assert attainment_percent(actual, target, direction) == expected


def test_zero_violations_target(tz):
    targets = (MetricTarget("revenue", D(100), D(80)),
               MetricTarget("violations", D(0), D(20), "lower"))
    result = score(card(tz, targets=targets), {"revenue": D(100), "violations": D(0)})
    assert result.results_score == D("100.00")


def test_team_scorecard(tz):
    team = Scorecard("t1", SubjectKind.TEAM, parse_period("2026-Q4", tz),
                     (MetricTarget("revenue", D(100000), D(100)),))
    assert score(team, {"revenue": D("34423.40")}).results_score == D("34.42")


def test_weights_must_add_up_to_100(tz):
    with pytest.raises(InvalidWeights) as caught:
        card(tz, targets=(MetricTarget("revenue", D(1), D(60)),
                          MetricTarget("csat", D(1), D(30))))
    assert "90" in caught.value.message
    with pytest.raises(InvalidWeights):
        card(tz, targets=(MetricTarget("revenue", D(1), D(110)),
                          MetricTarget("csat", D(1), D(-10))))
    with pytest.raises(InvalidWeights):
        ScoringRules(evaluation_weights={EvaluationSource.SUPERVISOR: D(60),
                                         EvaluationSource.PEER: D(30)})
    with pytest.raises(InvalidWeights):
        ScoringRules(results_weight_percent=D(120))
    with pytest.raises(InvalidWeights):
        ScoringRules(evaluation_weights={"boss": D(100)})


def test_other_rule_violations(tz):
    with pytest.raises(RuleViolation):
        MetricTarget("revenue", D(0), D(100))
    with pytest.raises(RuleViolation):
        ScoringRules(attainment_cap_percent=D(90))
    with pytest.raises(RuleViolation):
        card(tz, targets=())
    with pytest.raises(RuleViolation):
        card(tz, targets=(MetricTarget("revenue", D(1), D(50)),
                          MetricTarget("revenue", D(2), D(50))))
    with pytest.raises(RuleViolation):
        Evaluation(EvaluationSource.SELF, D(101))


def test_configured_evaluation_weights_accept_plain_names():
    rules = ScoringRules(evaluation_weights={"supervisor": 70, "customer": 30})
    assert rules.evaluation_weights == {EvaluationSource.SUPERVISOR: D(70),
                                        EvaluationSource.CUSTOMER: D(30)}
