"""The execution plan: the stages an order goes through before it reaches the
customer (by default purchasing, production, packing, shipping), each with an
owner, a due date and a status.

The default plan is built backwards from the promised delivery date with a
lead time per stage: shipping is due on the delivery date, packing is due when
shipping must start, and so on. If the first stage should already have
started, the promise cannot be kept and ``is_feasible`` says so.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import cast

from orders.domain.errors import IllegalTransition, InvalidInput, RuleViolation
from orders.domain.validation import NOT_AWARE, ErrorCollector, date_problem, is_aware, text_problem
from orders.domain.workdays import CALENDAR_DAYS, WorkCalendar

DEFAULT_STAGES = ("purchasing", "production", "packing", "shipping")


class StageStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class LeadTimes:
    """Working days each stage needs, counted on ``calendar``."""

    days: Mapping[str, int]
    calendar: WorkCalendar = CALENDAR_DAYS

    def for_stage(self, stage: str) -> int:
        if stage not in self.days:
            raise InvalidInput({f"lead_times.{stage}": ["is required"]}, "no lead time for a stage")
        return self.days[stage]

    def total(self, stages: Sequence[str] | None = None) -> int:
        """Working days from the first stage's start to delivery (all stages by default)."""
        return sum(self.for_stage(stage) for stage in (self.days if stages is None else stages))

    def errors(self, stages: Sequence[str]) -> dict[str, list[str]]:
        errors = ErrorCollector()
        for stage in stages:
            value = self.days.get(stage)
            if value is None:
                errors.add(f"lead_times.{stage}", "is required")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.add(f"lead_times.{stage}", "must be a whole number of days, 0 or more")
        return errors.as_dict()


DEFAULT_LEAD_TIMES = LeadTimes(MappingProxyType(
    {"purchasing": 5, "production": 10, "packing": 2, "shipping": 3}
))


@dataclass
class Stage:
    name: str
    owner: str | None  # None: not assigned yet
    due_date: date  # the local calendar day by which the stage must be done
    planned_start: date | None = None
    status: StageStatus = StageStatus.PENDING
    started_at: datetime | None = None
    started_by: str | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    blocked_reason: str | None = None

    def is_overdue(self, today: date) -> bool:
        return self.status is not StageStatus.DONE and today > self.due_date

    def days_overdue(self, today: date) -> int:
        return (today - self.due_date).days if self.is_overdue(today) else 0


_STAGE_MOVES = MappingProxyType({
    StageStatus.PENDING: (StageStatus.IN_PROGRESS, StageStatus.DONE, StageStatus.BLOCKED),
    StageStatus.IN_PROGRESS: (StageStatus.DONE, StageStatus.BLOCKED),
    StageStatus.BLOCKED: (StageStatus.PENDING, StageStatus.IN_PROGRESS),
    StageStatus.DONE: (),
})


@dataclass(eq=False)
class ExecutionPlan:
    stages: list[Stage]
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    def __post_init__(self) -> None:
        names = [stage.name for stage in self.stages]
        if not names:
            raise InvalidInput({"stages": ["must contain at least one stage"]})
        if len(set(names)) != len(names):
            raise InvalidInput({"stages": ["stage names must be unique"]})

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        known = ", ".join(stage.name for stage in self.stages)
        raise InvalidInput({"stage": [f"{name!r} is not a stage of this plan ({known})"]})

    def start(self, name: str, by: str, at: datetime) -> Stage:
        stage = self.stage(name)
        at = _checked_actor(by, at)
        _refuse_if_blocked(stage)
        _move(stage, StageStatus.IN_PROGRESS)
        stage.started_at, stage.started_by = at, by
        # Whoever starts an unassigned stage takes it on.
        stage.owner = stage.owner or by
        return stage

    def complete(self, name: str, by: str, at: datetime) -> Stage:
        """Marks a stage done; every earlier stage must be done first."""
        stage = self.stage(name)
        at = _checked_actor(by, at)
        _refuse_if_blocked(stage)
        _ensure_can_move(stage, StageStatus.DONE)
        earlier = self.stages[: self.stages.index(stage)]
        unfinished = [other.name for other in earlier if other.status is not StageStatus.DONE]
        if unfinished:
            verb = "is" if len(unfinished) == 1 else "are"
            raise RuleViolation(f"{name} cannot be done before {', '.join(unfinished)} {verb} done")
        _move(stage, StageStatus.DONE)
        if stage.started_at is None:
            # Done without a recorded start: it started and ended at once.
            stage.started_at, stage.started_by = at, by
        stage.completed_at, stage.completed_by = at, by
        stage.owner = stage.owner or by
        return stage

    def block(self, name: str, reason: str, by: str, at: datetime) -> Stage:
        stage = self.stage(name)
        _checked_actor(by, at)
        problem = text_problem(reason, 2000)
        if problem:
            raise InvalidInput({"reason": [problem]}, f"cannot block {name}")
        _move(stage, StageStatus.BLOCKED)
        stage.blocked_reason = reason
        return stage

    def unblock(self, name: str, by: str, at: datetime) -> Stage:
        """Back to in progress if the stage had started, else to pending."""
        stage = self.stage(name)
        _checked_actor(by, at)
        _move(stage, StageStatus.IN_PROGRESS if stage.started_at else StageStatus.PENDING)
        stage.blocked_reason = None
        return stage

    def assign(self, name: str, owner: str) -> Stage:
        stage = self.stage(name)
        problem = text_problem(owner, 100)
        if problem:
            raise InvalidInput({"owner": [problem]}, f"cannot assign {name}")
        _refuse_if_done(stage, "reassigned")
        stage.owner = owner
        return stage

    def reschedule(self, name: str, due_date: date) -> Stage:
        stage = self.stage(name)
        problem = date_problem(due_date)
        if problem:
            raise InvalidInput({"due_date": [problem]}, f"cannot reschedule {name}")
        _refuse_if_done(stage, "rescheduled")
        stage.due_date = due_date
        return stage

    def overdue(self, now: datetime) -> tuple[Stage, ...]:
        """Stages not done whose due day has passed in the company's zone."""
        today = self.calendar.local_date(now)
        return tuple(stage for stage in self.stages if stage.is_overdue(today))

    @property
    def progress(self) -> Decimal:
        """Done stages as a percentage of all stages, two decimals."""
        done = sum(stage.status is StageStatus.DONE for stage in self.stages)
        return (Decimal(done) * 100 / len(self.stages)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def is_complete(self) -> bool:
        return all(stage.status is StageStatus.DONE for stage in self.stages)

    @property
    def current_stage(self) -> Stage | None:
        """The first stage not done yet; None when the plan is complete."""
        return next((stage for stage in self.stages if stage.status is not StageStatus.DONE), None)

    @property
    def latest_start(self) -> date | None:
        return self.stages[0].planned_start

    def is_feasible(self, today: date) -> bool:
        """Whether the first stage can still start on time."""
        return self.latest_start is None or today <= self.latest_start


def default_plan(delivery_date: date, owners: Mapping[str, str] | None = None,
                 lead_times: LeadTimes = DEFAULT_LEAD_TIMES,
                 stages: Sequence[str] = DEFAULT_STAGES) -> ExecutionPlan:
    """A plan whose last stage is due on ``delivery_date``, built backwards."""
    errors = ErrorCollector()
    problem = date_problem(delivery_date)
    if problem:
        errors.add("delivery_date", problem)
    errors.extend(lead_times.errors(stages))
    errors.raise_if_any("cannot build the execution plan")
    owners = owners or {}
    calendar = lead_times.calendar
    planned: list[Stage] = []
    due = delivery_date
    for name in reversed(stages):
        start = calendar.subtract_working_days(due, lead_times.for_stage(name))
        planned.append(Stage(name=name, owner=owners.get(name), due_date=due, planned_start=start))
        due = start
    return ExecutionPlan(list(reversed(planned)), calendar)


def _ensure_can_move(stage: Stage, target: StageStatus) -> None:
    allowed = _STAGE_MOVES[stage.status]
    if target not in allowed:
        raise IllegalTransition(stage.status, target, allowed, what=f"stage {stage.name}")


def _move(stage: Stage, target: StageStatus) -> None:
    _ensure_can_move(stage, target)
    stage.status = target


def _refuse_if_blocked(stage: Stage) -> None:
    # Only unblock leaves "blocked", so the reason is never silently dropped.
    if stage.status is StageStatus.BLOCKED:
        raise IllegalTransition(stage.status, StageStatus.IN_PROGRESS, (StageStatus.PENDING, StageStatus.IN_PROGRESS),
                                message=f"stage {stage.name} is blocked ({stage.blocked_reason}); unblock it first")


def _refuse_if_done(stage: Stage, verb: str) -> None:
    if stage.status is StageStatus.DONE:
        raise IllegalTransition(stage.status, stage.status, (),
                                message=f"stage {stage.name} is done and cannot be {verb}")


def _checked_actor(by: object, at: object) -> datetime:
    errors = ErrorCollector()
    problem = text_problem(by, 100)
    if problem:
        errors.add("by", problem)
    if not is_aware(at):
        errors.add("at", NOT_AWARE)
    errors.raise_if_any("cannot update the stage")
    return cast(datetime, at).astimezone(UTC)  # is_aware passed, or raise_if_any raised
