"""SLA policies and the SLA clock of a ticket.

A policy gives, per ticket type and priority, two targets — first response and
resolution — as durations of *business time* (or of elapsed time for 24x7
policies), and an escalation ladder: level 1 when a target is breached, level 2
some time later, and so on, each level notifying a role.

The clock is recomputed from the ticket's status history every time, never
stored, so a late or corrected status change can never leave a stale due date:

- time counts while the ticket is OPEN or IN_PROGRESS, stands still while it is
  WAITING_ON_CUSTOMER, and stops when it is RESOLVED or CLOSED;
- the first-response target is met by the first response (or, failing one, by
  the resolution, which reaches the customer); a reopening does not touch it;
- a due date is "where the elapsed time will reach the target": each pause
  pushes it by the business time the pause lasted. While paused, the due date
  shown is the one that would hold if the ticket resumed now.

Reopening and the resolution clock (``ReopenRule``): by default (RESTART) a
reopened ticket gets a fresh resolution target counted from the reopening, and
the new attempt is a new *cycle* whose breaches escalate afresh; the earlier
cycle's outcome stays on record in the events already published. RESUME instead
treats the time spent resolved as a pause: the clock continues where it stopped,
which is stricter (a reopened ticket is often already overdue) and fits teams
that judge "time until the customer's problem was really solved".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from collections.abc import Collection, Iterable

from salesloop.calendar import BusinessCalendar

from .errors import InvalidConfiguration, RuleViolation
from .status import StatusChange, TicketStatus


class TicketType(StrEnum):
    INQUIRY = "inquiry"
    COMPLAINT = "complaint"
    TECHNICAL = "technical"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class SlaTarget(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class ClockMode(StrEnum):
    BUSINESS_HOURS = "business_hours"
    ALWAYS = "24x7"


class ReopenRule(StrEnum):
    RESTART = "restart"
    RESUME = "resume"


@dataclass(frozen=True)
class EscalationStep:
    """Escalate to ``notify`` once the target has been breached for ``after_breach``."""

    level: int
    after_breach: timedelta
    notify: str


@dataclass(frozen=True)
class SlaPolicy:
    ticket_type: TicketType
    priority: Priority
    first_response: timedelta
    resolution: timedelta
    clock: ClockMode = ClockMode.BUSINESS_HOURS
    escalations: tuple[EscalationStep, ...] = ()

    def __post_init__(self) -> None:
        name = f"{self.ticket_type}/{self.priority}"
        if self.first_response <= timedelta(0) or self.resolution <= timedelta(0):
            raise InvalidConfiguration(f"SLA targets must be positive ({name})")
        if self.first_response > self.resolution:
            raise InvalidConfiguration(f"the first response cannot be due after the resolution ({name})")
        _check_ladder(self.escalations, name)

    def target(self, target: SlaTarget) -> timedelta:
        return self.first_response if target is SlaTarget.FIRST_RESPONSE else self.resolution

    def calendar(self, business_calendar: BusinessCalendar) -> BusinessCalendar:
        """The calendar this policy's clock runs on."""
        if self.clock is ClockMode.ALWAYS:
            return BusinessCalendar.twenty_four_seven(business_calendar.timezone)
        return business_calendar


@dataclass(frozen=True)
class EscalationKey:
    """Identifies one escalation so a sweep sends it once.

    ``cycle`` counts resolution attempts under ReopenRule.RESTART (0 before any
    reopening); it is always 0 for the first response and under RESUME.
    """

    target: SlaTarget
    level: int
    cycle: int = 0


@dataclass(frozen=True)
class Escalation:
    key: EscalationKey
    notify: str
    breached_at: datetime
    due_at: datetime  # when this level became due: breach + after_breach of clock time


@dataclass(frozen=True)
class TargetStatus:
    """Where one SLA target stands at ``now`` (for the API and the events)."""

    target: SlaTarget
    allowed: timedelta
    elapsed: timedelta
    due_at: datetime
    met_at: datetime | None
    breached: bool
    paused: bool
    escalation_level: int
    cycle: int

    @property
    def remaining(self) -> timedelta:
        """Clock time left; negative once breached."""
        return self.allowed - self.elapsed


@dataclass(frozen=True)
class _Run:
    """The intervals in which one target's clock ran, up to ``now``."""

    intervals: tuple[tuple[datetime, datetime], ...]
    met_at: datetime | None
    paused: bool
    cycle: int


@dataclass(frozen=True)
class SlaClock:
    """A ticket's SLA clock, built from its status history (see the module docstring)."""

    policy: SlaPolicy
    calendar: BusinessCalendar  # the calendar the policy runs on, see ``for_ticket``
    received_at: datetime
    history: tuple[StatusChange, ...]
    responded_at: datetime | None = None
    reopen_rule: ReopenRule = ReopenRule.RESTART

    def __post_init__(self) -> None:
        _require_aware(self.received_at, "received_at")
        if self.responded_at is not None:
            _require_aware(self.responded_at, "responded_at")
        previous = self.received_at
        for change in self.history:
            _require_aware(change.at, "a status change")
            if change.at < previous:
                raise RuleViolation(
                    f"status history must be in time order from the receipt: {change.status} at {change.at.isoformat()}"
                )
            previous = change.at

    @classmethod
    def for_ticket(
        cls,
        policy: SlaPolicy,
        business_calendar: BusinessCalendar,
        received_at: datetime,
        history: Iterable[StatusChange],
        responded_at: datetime | None = None,
        reopen_rule: ReopenRule = ReopenRule.RESTART,
    ) -> SlaClock:
        return cls(
            policy=policy,
            calendar=policy.calendar(business_calendar),
            received_at=received_at,
            history=tuple(history),
            responded_at=responded_at,
            reopen_rule=reopen_rule,
        )

    # -- per target -----------------------------------------------------------

    def status(self, target: SlaTarget, now: datetime) -> TargetStatus:
        now = self._not_before_receipt(now)
        run = self._run(target, now)
        allowed = self.policy.target(target)
        elapsed = self._elapsed(run)
        return TargetStatus(
            target=target,
            allowed=allowed,
            elapsed=elapsed,
            due_at=self._instant_reaching(run, allowed) or self._project(run, now, allowed - elapsed),
            met_at=run.met_at,
            breached=elapsed > allowed,
            paused=run.paused,
            escalation_level=max(
                (step.level for step in self.policy.escalations if elapsed > allowed + step.after_breach),
                default=0,
            ),
            cycle=run.cycle,
        )

    def elapsed(self, target: SlaTarget, now: datetime) -> timedelta:
        return self.status(target, now).elapsed

    def due(self, target: SlaTarget, now: datetime) -> datetime:
        return self.status(target, now).due_at

    def breached(self, target: SlaTarget, now: datetime) -> bool:
        return self.status(target, now).breached

    def escalation_level(self, target: SlaTarget, now: datetime) -> int:
        """0 when nothing is due, else the highest escalation level reached."""
        return self.status(target, now).escalation_level

    def first_response_due(self, now: datetime) -> datetime:
        return self.due(SlaTarget.FIRST_RESPONSE, now)

    def resolution_due(self, now: datetime) -> datetime:
        return self.due(SlaTarget.RESOLUTION, now)

    def pending_escalations(self, now: datetime, already_escalated: Collection[EscalationKey]) -> list[Escalation]:
        """Escalations due at ``now`` and not in ``already_escalated``, lowest level first.

        A target that has been met escalates no more: escalating a solved ticket
        helps nobody (its breach is still reported with the response or resolution).
        Several levels come back at once when a sweep has not run for a while.
        """
        now = self._not_before_receipt(now)
        due = []
        for target in SlaTarget:
            run = self._run(target, now)
            allowed, elapsed = self.policy.target(target), self._elapsed(run)
            if run.met_at is not None or elapsed <= allowed:
                continue
            breached_at = self._instant_reaching(run, allowed)
            assert breached_at is not None  # elapsed > allowed, so it was reached
            for step in self.policy.escalations:
                key = EscalationKey(target, step.level, run.cycle)
                threshold = allowed + step.after_breach
                if key in already_escalated or elapsed <= threshold:
                    continue
                due_at = self._instant_reaching(run, threshold)
                assert due_at is not None  # elapsed > threshold, so it was reached
                due.append(Escalation(key=key, notify=step.notify, breached_at=breached_at, due_at=due_at))
        return sorted(due, key=lambda e: (e.due_at, e.key.level, e.key.target))

    def is_paused(self, now: datetime) -> bool:
        return self._status_at(now) is TicketStatus.WAITING_ON_CUSTOMER

    # -- internals --------------------------------------------------------------

    def _not_before_receipt(self, now: datetime) -> datetime:
        # Asked about a moment before the ticket existed: the clock had not started.
        _require_aware(now, "now")
        return max(now, self.received_at)

    def _status_at(self, now: datetime) -> TicketStatus:
        status = TicketStatus.OPEN
        for change in self.history:
            if change.at > now:
                break
            status = change.status
        return status

    def _segments(self, now: datetime) -> list[tuple[TicketStatus, datetime, datetime]]:
        """(status, from, to) up to ``now``; the ticket is OPEN from its receipt."""
        segments = []
        status, since = TicketStatus.OPEN, self.received_at
        for change in self.history:
            if change.at > now:
                break
            segments.append((status, since, change.at))
            status, since = change.status, change.at
        segments.append((status, since, max(now, since)))
        return segments

    def _run(self, target: SlaTarget, now: datetime) -> _Run:
        if target is SlaTarget.FIRST_RESPONSE:
            return self._first_response_run(now)
        return self._resolution_run(now)

    def _first_response_run(self, now: datetime) -> _Run:
        met_at = self._first_response_at(now)
        end = min(now, met_at) if met_at else now
        intervals = tuple(
            (start, min(stop, end)) for status, start, stop in self._segments(now)
            if status.clock_runs and start < end
        )
        paused = met_at is None and self._status_at(now).is_paused
        return _Run(intervals=intervals, met_at=met_at, paused=paused, cycle=0)

    def _first_response_at(self, now: datetime) -> datetime | None:
        candidates = [c.at for c in self.history if c.status.is_done and c.at <= now]
        if self.responded_at is not None and self.responded_at <= now:
            candidates.append(self.responded_at)
        return min(candidates, default=None)

    def _resolution_run(self, now: datetime) -> _Run:
        intervals: list[tuple[datetime, datetime]] = []
        cycle = 0
        previous: TicketStatus | None = None
        met_at = None
        for status, start, stop in self._segments(now):
            if previous is not None and previous.is_done and not status.is_done:
                met_at = None
                if self.reopen_rule is ReopenRule.RESTART:
                    intervals, cycle = [], cycle + 1
            if status.is_done and met_at is None:
                met_at = start
            if status.clock_runs:
                intervals.append((start, stop))
            previous = status
        current = self._status_at(now)
        return _Run(
            intervals=tuple(i for i in intervals if i[1] > i[0]),
            met_at=met_at if current.is_done else None,
            paused=current.is_paused,
            cycle=cycle,
        )

    def _elapsed(self, run: _Run) -> timedelta:
        return sum((self.calendar.business_time_between(a, b) for a, b in run.intervals), timedelta(0))

    def _instant_reaching(self, run: _Run, amount: timedelta) -> datetime | None:
        """When the clock reached ``amount`` within the intervals it ran, if it did."""
        counted = timedelta(0)
        for start, stop in run.intervals:
            piece = self.calendar.business_time_between(start, stop)
            if counted + piece > amount or (counted + piece == amount and piece):
                reached: datetime = self.calendar.add(start, amount - counted)  # salesloop is untyped here
                return reached
            counted += piece
        return None

    def _project(self, run: _Run, now: datetime, remaining: timedelta) -> datetime:
        """The due date not yet reached: from the stop if met, else as if running from now."""
        due: datetime = self.calendar.add(run.met_at or now, remaining)  # salesloop is untyped here
        return due


def _check_ladder(steps: tuple[EscalationStep, ...], name: str) -> None:
    for expected_level, step in enumerate(steps, start=1):
        if step.level != expected_level:
            raise InvalidConfiguration(f"escalation levels must count 1, 2, 3… ({name})")
        if step.after_breach < timedelta(0):
            raise InvalidConfiguration(f"an escalation cannot come before the breach ({name})")
        if not step.notify:
            raise InvalidConfiguration(f"escalation level {step.level} notifies nobody ({name})")
    for lower, higher in zip(steps, steps[1:], strict=False):
        if higher.after_breach <= lower.after_breach:
            raise InvalidConfiguration(f"each escalation level must come later than the one before ({name})")


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleViolation(f"{name} must be a time zone aware datetime")
