"""Commission plans, who they pay, and each rep's statement for a period."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from salesloop.web.auth import Principal
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kpi.domain.access import Slice, can_see_subject
from kpi.domain.commissions import (
    Actuals,
    BonusRule,
    CommissionBasis,
    CommissionComponent,
    CommissionPlan,
    CommissionStatement,
    Tier,
    statement,
)
from kpi.domain.errors import Conflict, DomainError, InvalidPlan, NotFound
from kpi.domain.periods import Period
from kpi.models import CommissionPlanRow, PlanAssignmentRow, ScorecardRow
from kpi.repository import People, Projection, counter_metrics, directory


def _components(items: list[dict]) -> tuple[CommissionComponent, ...]:
    return tuple(CommissionComponent(CommissionBasis(c["basis"]),
                                     tuple(Tier(Decimal(str(t["from_attainment_percent"])),
                                                Decimal(str(t["rate_percent"]))) for t in c["tiers"]))
                 for c in items)


def _bonuses(items: list[dict]) -> tuple[BonusRule, ...]:
    return tuple(BonusRule(b["period_kind"], CommissionBasis(b["basis"]),
                           Decimal(str(b["threshold_attainment_percent"])), Decimal(str(b["amount"])))
                 for b in items)


def plan_of(row: CommissionPlanRow) -> CommissionPlan:
    return CommissionPlan(row.name, row.currency, _components(row.components), _bonuses(row.bonuses), row.clawback)


def _plain(items: list[dict]) -> list[dict]:
    """JSON-safe copies (decimals as strings) of the validated input."""
    def value(item):
        if isinstance(item, dict):
            return {k: value(v) for k, v in item.items()}
        if isinstance(item, list):
            return [value(v) for v in item]
        return str(item) if isinstance(item, Decimal) else item
    return value(items)


@dataclass(frozen=True)
class CreatePlan:
    name: str
    components: list[dict]  # {basis, tiers: [{from_attainment_percent, rate_percent}]}, as PlanIn reads them
    bonuses: list[dict]
    clawback: bool
    currency: str | None  # None: the company currency
    by: str
    at: datetime


@dataclass(frozen=True)
class AssignPlan:
    plan_id: int
    rep_id: str
    valid_from: date
    valid_to: date | None


def create_plan(uow, current: Projection, command: CreatePlan) -> CommissionPlanRow:
    session = uow.session
    if session.execute(select(CommissionPlanRow.id).where(CommissionPlanRow.name == command.name)).first():
        raise Conflict(f"a plan named {command.name!r} exists")
    if (command.currency or current.currency) != current.currency:
        raise InvalidPlan(f"plans pay in the company currency {current.currency}")
    row = CommissionPlanRow(name=command.name, currency=current.currency, components=_plain(command.components),
                            bonuses=_plain(command.bonuses), clawback=command.clawback,
                            created_by=command.by, created_at=command.at)
    plan_of(row)  # the domain's rules: tiers from 0 %, increasing, one component per basis…
    session.add(row)
    session.flush()
    uow.commit()
    return row


def get_plan(session: Session, plan_id: int) -> CommissionPlanRow:
    row = session.get(CommissionPlanRow, plan_id)
    if row is None:
        raise NotFound(f"no commission plan {plan_id}")
    return row


def assign_plan(uow, command: AssignPlan) -> PlanAssignmentRow:
    """Pay a rep by this plan from a date; a rep has one plan on any day."""
    session = uow.session
    plan = get_plan(session, command.plan_id)
    start, end = command.valid_from, command.valid_to
    if end is not None and end < start:
        raise InvalidPlan("valid_to comes before valid_from")
    overlapping = session.execute(select(PlanAssignmentRow).where(
        PlanAssignmentRow.rep_id == command.rep_id,
        or_(PlanAssignmentRow.valid_to.is_(None), PlanAssignmentRow.valid_to >= start),
        *([PlanAssignmentRow.valid_from <= end] if end is not None else []),
    )).scalars().first()
    if overlapping is not None:
        raise Conflict(f"{command.rep_id} is already on plan {overlapping.plan_id} from "
                       f"{overlapping.valid_from} to {overlapping.valid_to or 'open end'}")
    team, region = directory(session).get(command.rep_id, (None, None))
    row = PlanAssignmentRow(rep_id=command.rep_id, valid_from=start, valid_to=end, team=team, region=region)
    plan.assignments.append(row)
    session.flush()
    uow.commit()
    return row


def assignment_on(session: Session, rep_id: str, day: date) -> PlanAssignmentRow | None:
    return session.execute(select(PlanAssignmentRow).where(
        PlanAssignmentRow.rep_id == rep_id, PlanAssignmentRow.valid_from <= day,
        or_(PlanAssignmentRow.valid_to.is_(None), PlanAssignmentRow.valid_to >= day))).scalar_one_or_none()


def _targets(session: Session, rep_id: str, period: Period) -> dict[str, Decimal]:
    row = session.execute(select(ScorecardRow).where(
        ScorecardRow.subject_kind == "rep", ScorecardRow.subject_id == rep_id,
        ScorecardRow.period == period.label())).scalar_one_or_none()
    return {} if row is None else {t.metric: Decimal(t.target) for t in row.targets}


def actuals_of(session: Session, current: Projection, rep_id: str, period: Period) -> Actuals:
    """The rep's revenue and gross profit of the period, with the scorecard's targets for them."""
    values = counter_metrics(session, current, period, Slice("rep", rep_id), ("revenue", "gross_profit"))
    targets = _targets(session, rep_id, period)
    return Actuals(revenue=values["revenue"].value, gross_profit=values["gross_profit"].value,
                   revenue_target=targets.get("revenue"), gross_profit_target=targets.get("gross_profit"))


def statement_for(session: Session, current: Projection, rep_id: str, period: Period) -> CommissionStatement:
    assignment = assignment_on(session, rep_id, period.start)
    if assignment is None:
        raise NotFound(f"no commission plan pays {rep_id} on {period.start.isoformat()}")
    return statement(rep_id, period, actuals_of(session, current, rep_id, period), plan_of(assignment.plan))


def statements(session: Session, current: Projection, principal: Principal,
               period: Period) -> list[tuple[str, CommissionStatement | None, str | None]]:
    """Every visible rep paid by a plan at the period's start: (rep, statement or None, why not)."""
    reps = session.execute(select(PlanAssignmentRow.rep_id).where(
        PlanAssignmentRow.valid_from <= period.start,
        or_(PlanAssignmentRow.valid_to.is_(None), PlanAssignmentRow.valid_to >= period.start))
        .order_by(PlanAssignmentRow.rep_id)).scalars()
    results = []
    for rep in reps:
        if not can_see_subject(People(session), principal, "rep", rep):
            continue
        try:
            results.append((rep, statement_for(session, current, rep, period), None))
        except DomainError as exc:  # a missing target or figure: say so for this rep, show the others
            results.append((rep, None, str(exc)))
    return results
