"""Targets, weights and evaluations per rep or team and period; the scored card."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from salesloop.web.auth import Principal
from sqlalchemy import select
from sqlalchemy.orm import Session

from kpi.commands.common import forbidden, local_today, period_from
from kpi.domain import counter_metrics as cm
from kpi.domain.access import Slice, can_manage, can_see_subject
from kpi.domain.errors import Conflict, InvalidPeriod, NotFound, RuleViolation, TargetsLocked
from kpi.domain.periods import Period, PeriodKind
from kpi.domain.scorecards import (
    Direction,
    Evaluation,
    EvaluationSource,
    MetricTarget,
    MissingActual,
    Scorecard,
    ScorecardResult,
    ScoringRules,
    SubjectKind,
    score,
)
from kpi.models import EvaluationRow, ScorecardRow, TargetRow
from kpi.repository import People, Projection, directory, metric_values

SCORECARD_PERIODS = (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
EVALUATORS = {
    EvaluationSource.CUSTOMER: ("cs_agent", "ops", "supervisor", "manager", "director"),
    EvaluationSource.PEER: ("rep", "cs_agent"),
}


# -- targets ----------------------------------------------------------------------------------------
def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))  # stored rules keep decimals as text


def scoring_rules(rules: dict) -> ScoringRules:
    defaults = ScoringRules()
    weights = rules.get("evaluation_weights") or defaults.evaluation_weights
    return ScoringRules(
        attainment_cap_percent=_decimal(rules.get("attainment_cap_percent")),
        results_weight_percent=_decimal(rules.get("results_weight_percent", defaults.results_weight_percent)),
        evaluation_weights={EvaluationSource(k): _decimal(v) for k, v in weights.items()},
        missing_actual=MissingActual(rules.get("missing_actual", defaults.missing_actual)),
    )


def rules_json(rules: ScoringRules) -> dict:
    cap = rules.attainment_cap_percent
    return {"attainment_cap_percent": None if cap is None else str(cap),
            "results_weight_percent": str(rules.results_weight_percent),
            "evaluation_weights": {k.value: str(v) for k, v in rules.evaluation_weights.items()},
            "missing_actual": rules.missing_actual.value}


def _target(item: dict) -> MetricTarget:
    info = cm.BY_NAME.get(item["metric"])
    if info is None:
        raise RuleViolation(f"{item['metric']} is not a metric; see /kpis/catalog")
    direction = item.get("direction") or info.direction
    return MetricTarget(info.name, item["target"], item["weight_percent"], Direction(direction))


def scorecard_period(text: str, current: Projection) -> Period:
    period = period_from(text, current)
    if period.kind not in SCORECARD_PERIODS:
        raise InvalidPeriod(f"scorecards run per week, month, quarter or year, not per {period.kind.value}")
    return period


def _check_open(period: Period, now: datetime, current: Projection, grace_days: int) -> None:
    last_day = period.start + timedelta(days=max(grace_days, 1) - 1)
    if local_today(now, current) > last_day:
        raise TargetsLocked(f"targets for {period.label()} had to be set by {last_day.isoformat()}; "
                            "they stand once the period is under way")


def find_scorecard(session: Session, kind: str, subject: str, period: Period) -> ScorecardRow | None:
    return session.execute(select(ScorecardRow).where(
        ScorecardRow.subject_kind == kind, ScorecardRow.subject_id == subject,
        ScorecardRow.period == period.label())).scalar_one_or_none()


@dataclass(frozen=True)
class SetTargets:
    kind: str  # rep or team
    subject: str
    period: str  # its label: 2026-11, 2026-Q4 …
    targets: list[dict]  # {metric, target, weight_percent, direction?}, as TargetIn reads them
    rules: dict
    by: Principal
    at: datetime


@dataclass(frozen=True)
class AddEvaluation:
    kind: str
    subject: str
    period: str
    source: str
    score: Decimal
    evaluator: str | None  # the customer, for a customer evaluation
    comment: str | None
    by: Principal
    at: datetime


def set_targets(uow, config, current: Projection, command: SetTargets) -> ScorecardRow:
    """Create or replace the targets (and scoring rules) of a subject's period."""
    session, principal, now = uow.session, command.by, command.at
    kind, subject, data = command.kind, command.subject, {"targets": command.targets, "rules": command.rules}
    period = scorecard_period(command.period, current)
    if not can_manage(People(session), principal, kind, subject):
        raise forbidden(f"You may not set targets for {kind} {subject}.")
    _check_open(period, now, current, config.target_grace_days)
    rules = scoring_rules(data.get("rules") or {})
    card = Scorecard(subject, SubjectKind(kind), period, tuple(_target(t) for t in data["targets"]), rules)
    team, region = _placement(session, kind, subject)
    row = find_scorecard(session, kind, subject, period) or ScorecardRow(
        subject_kind=kind, subject_id=subject, period=period.label(), period_kind=period.kind.value)
    row.rules, row.set_by, row.set_at, row.team, row.region = rules_json(rules), principal.user, now, team, region
    row.targets = [TargetRow(metric=t.metric, target=t.target, weight_percent=t.weight_percent,
                             direction=t.direction.value) for t in card.targets]
    session.add(row)
    session.flush()
    uow.commit()
    return row


def _placement(session: Session, kind: str, subject: str) -> tuple[str | None, str | None]:
    if kind == "team":
        return subject, None
    return directory(session).get(subject, (None, None))


def visible_scorecard(session: Session, principal: Principal, kind: str, subject: str,
                      period: Period) -> ScorecardRow:
    row = find_scorecard(session, kind, subject, period)
    if row is None or not can_see_subject(People(session), principal, kind, subject):
        raise NotFound(f"no scorecard for {kind} {subject} in {period.label()}")
    return row


# -- scoring --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoredCard:
    row: ScorecardRow
    period: Period
    result: ScorecardResult
    metrics: dict  # name -> MetricValue behind each actual


def to_domain(row: ScorecardRow, period: Period) -> Scorecard:
    targets = tuple(MetricTarget(t.metric, Decimal(t.target), Decimal(t.weight_percent), Direction(t.direction))
                    for t in row.targets)
    return Scorecard(row.subject_id, SubjectKind(row.subject_kind), period, targets, scoring_rules(row.rules))


def scored(session: Session, current: Projection, row: ScorecardRow) -> ScoredCard:
    period = period_from(row.period, current)
    card = to_domain(row, period)
    values = metric_values(session, current, period, Slice(row.subject_kind, row.subject_id),
                           [t.metric for t in card.targets])
    evaluations = [Evaluation(EvaluationSource(e.source), Decimal(e.score), e.evaluator) for e in row.evaluations]
    result = score(card, {name: value.value for name, value in values.items()}, evaluations)
    return ScoredCard(row, period, result, values)


def list_scorecards(session: Session, principal: Principal, period: Period) -> list[ScorecardRow]:
    rows = session.execute(select(ScorecardRow).where(ScorecardRow.period == period.label())
                           .order_by(ScorecardRow.subject_kind, ScorecardRow.subject_id)).scalars()
    return [row for row in rows if can_see_subject(People(session), principal, row.subject_kind, row.subject_id)]


# -- evaluations ------------------------------------------------------------------------------------------
def _may_evaluate(session: Session, principal: Principal, row: ScorecardRow, source: EvaluationSource) -> bool:
    if source is EvaluationSource.SELF:
        return row.subject_kind == "rep" and row.subject_id == principal.user
    if source is EvaluationSource.SUPERVISOR:
        return can_manage(People(session), principal, row.subject_kind, row.subject_id)
    if not principal.has(*EVALUATORS[source], "admin"):
        return False
    if source is EvaluationSource.PEER:
        # A colleague of the same team, never the subject.
        return principal.user != row.subject_id and principal.team is not None and principal.team == row.team
    return True


def add_evaluation(uow, current: Projection, command: AddEvaluation) -> EvaluationRow:
    session, principal, now = uow.session, command.by, command.at
    row = find_scorecard(session, command.kind, command.subject, scorecard_period(command.period, current))
    if row is None:
        raise NotFound(f"no scorecard for {command.kind} {command.subject} in {command.period}")
    source = EvaluationSource(command.source)
    if not _may_evaluate(session, principal, row, source):
        raise forbidden(f"You may not give a {source.value} evaluation of {row.subject_kind} {row.subject_id}.")
    evaluator = command.evaluator if source is EvaluationSource.CUSTOMER else None
    evaluator = evaluator or principal.user
    if any(e.source == source.value and e.evaluator == evaluator for e in row.evaluations):
        raise Conflict(f"{evaluator} already gave a {source.value} evaluation for this scorecard")
    Evaluation(source, command.score, evaluator)  # the domain checks the score
    evaluation = EvaluationRow(source=source.value, score=command.score, evaluator=evaluator,
                               comment=command.comment, recorded_at=now)
    row.evaluations.append(evaluation)
    session.flush()
    uow.commit()
    return evaluation
