"""Lead statuses, the transitions between them, and contact activities.

new → assigned → contacted → qualified → converted, with disqualified reachable
from every open status. Converted and disqualified are final. A lead can be
re-assigned while it is assigned or contacted (it then waits for the new rep's
first contact, so its status returns to assigned).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TypeVar

from .errors import IllegalTransition, InvalidField, RuleViolation
from .times import optional_aware, require_aware


E = TypeVar("E", bound=Enum)


class LeadStatus(str, Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED})
OPEN_STATUSES = frozenset(LeadStatus) - FINAL_STATUSES

ALLOWED_TRANSITIONS = {
    LeadStatus.NEW: frozenset({LeadStatus.ASSIGNED, LeadStatus.DISQUALIFIED}),
    LeadStatus.ASSIGNED: frozenset({LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.DISQUALIFIED}),
    LeadStatus.CONTACTED: frozenset({LeadStatus.ASSIGNED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}),
    LeadStatus.QUALIFIED: frozenset({LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED}),
    LeadStatus.CONVERTED: frozenset(),
    LeadStatus.DISQUALIFIED: frozenset(),
}

# What each target needs to be meaningful: whom it went to, why it was
# dropped, which customer account it became.
REQUIRED_DETAILS = {
    LeadStatus.ASSIGNED: "rep_id",
    LeadStatus.DISQUALIFIED: "reason",
    LeadStatus.CONVERTED: "customer_id",
}


def parse_status(value: LeadStatus | str, field: str = "status") -> LeadStatus:
    try:
        return LeadStatus(value)
    except ValueError:
        known = ", ".join(status.value for status in LeadStatus)
        raise InvalidField(field, f"{value!r} is not one of {known}") from None


def transition(current: LeadStatus | str, target: LeadStatus | str, **details: object) -> LeadStatus:
    """The new status, if the move is allowed and carries the details it needs."""
    current = parse_status(current, "current")
    target = parse_status(target, "target")
    if current.is_final:
        raise IllegalTransition(
            current.value, target.value, f"a {current.value} lead is final and cannot become {target.value}"
        )
    allowed = ALLOWED_TRANSITIONS[current]
    if target not in allowed:
        options = ", ".join(sorted(status.value for status in allowed))
        raise IllegalTransition(
            current.value, target.value,
            f"a {current.value} lead cannot become {target.value} (allowed: {options})",
        )
    needed = REQUIRED_DETAILS.get(target)
    if needed is not None:
        value = details.get(needed)
        if not isinstance(value, str) or not value.strip():
            raise InvalidField(needed, f"moving a lead to {target.value} needs {needed}")
    return target


# --- activities ------------------------------------------------------------


class ActivityKind(str, Enum):
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"
    CHAT = "chat"


class ActivityOutcome(str, Enum):
    CONNECTED = "connected"
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    CALLBACK_REQUESTED = "callback_requested"
    MEETING_SCHEDULED = "meeting_scheduled"
    INTERESTED = "interested"
    NOT_INTERESTED = "not_interested"
    WRONG_CONTACT = "wrong_contact"


# Reps' and servers' clocks disagree a little; more than this ahead is a typo.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Activity:
    activity_id: str
    lead_id: str
    kind: ActivityKind
    outcome: ActivityOutcome
    next_step: str
    occurred_at: datetime
    by: str
    summary: str = ""
    next_step_due_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("activity_id", "lead_id", "by"):
            if not getattr(self, name):
                raise InvalidField(name, "is required")
        object.__setattr__(self, "kind", _enum(ActivityKind, self.kind, "kind"))
        object.__setattr__(self, "outcome", _enum(ActivityOutcome, self.outcome, "outcome"))
        if not isinstance(self.next_step, str) or not self.next_step.strip():
            raise InvalidField("next_step", "every contact records the next step")
        require_aware(self.occurred_at, "occurred_at")
        optional_aware(self.next_step_due_at, "next_step_due_at")
        if self.next_step_due_at is not None and self.next_step_due_at <= self.occurred_at:
            raise InvalidField("next_step_due_at", "must be after the activity")


@dataclass(frozen=True)
class ContactState:
    status: LeadStatus
    first_contact_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", parse_status(self.status))
        optional_aware(self.first_contact_at, "first_contact_at")


@dataclass(frozen=True)
class ActivityLogged:
    """The lead after the activity.

    ``followup_due_at`` replaces the lead's pending follow-up deadline: the
    contact met the old one, and the next step's due time (if any) is the new
    one that overdue checks watch.
    """

    status: LeadStatus
    first_contact_at: datetime
    followup_due_at: datetime | None
    status_changed: bool
    was_first_contact: bool


def log_activity(state: ContactState, activity: Activity, now: datetime) -> ActivityLogged:
    """Apply a contact to the lead: the first one on an assigned lead makes it contacted.

    first_contact_at is the earliest contact ever logged, so a call entered
    late (back-dated) still counts from when it happened.
    """
    require_aware(now, "now")
    if activity.occurred_at > now + CLOCK_SKEW:
        raise InvalidField("occurred_at", "is in the future")
    if state.status is LeadStatus.NEW:
        raise RuleViolation("assign the lead before logging contact with it")
    if state.status.is_final:
        raise RuleViolation(f"the lead is {state.status.value}; log contact on its deal or customer")
    status: LeadStatus = state.status
    if status is LeadStatus.ASSIGNED:
        status = transition(status, LeadStatus.CONTACTED)
    first = state.first_contact_at
    first_contact_at = activity.occurred_at if first is None else min(first, activity.occurred_at)
    return ActivityLogged(
        status=status,
        first_contact_at=first_contact_at,
        followup_due_at=activity.next_step_due_at,
        status_changed=status is not state.status,
        was_first_contact=first is None,
    )


def _enum(enum_class: type[E], value: object, field: str) -> E:
    try:
        return enum_class(value)
    except ValueError:
        known = ", ".join(member.value for member in enum_class)
        raise InvalidField(field, f"{value!r} is not one of {known}") from None
