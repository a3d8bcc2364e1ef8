"""Finding leads whose follow-up deadline has passed, flagging each deadline once.

A lead's ``followup_due_at`` is its one pending deadline: set at assignment
(first contact) and replaced by each logged activity's next-step due time
(see lifecycle.log_activity). ``overdue_flagged_for`` remembers the deadline
that was last flagged, so a periodic sweep flags a deadline once, and a new
deadline that is missed in turn is flagged again.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .lifecycle import LeadStatus, parse_status
from .times import optional_aware, require_aware

# A new lead has no rep yet, so nobody can be late; final leads are done.
WATCHED_STATUSES = frozenset({LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED})


@dataclass(frozen=True)
class FollowupState:
    lead_id: str
    status: LeadStatus
    followup_due_at: datetime | None
    first_contact_at: datetime | None = None
    overdue_flagged_for: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", parse_status(self.status))
        optional_aware(self.followup_due_at, "followup_due_at")
        optional_aware(self.first_contact_at, "first_contact_at")
        optional_aware(self.overdue_flagged_for, "overdue_flagged_for")


@dataclass(frozen=True)
class OverdueLead:
    lead_id: str
    due_at: datetime
    overdue_by: timedelta
    awaiting_first_contact: bool


def is_overdue(state: FollowupState, now: datetime) -> bool:
    """Past its pending deadline (strictly: a deadline is still met at its own instant)."""
    require_aware(now, "now")
    return (
        state.status in WATCHED_STATUSES
        and state.followup_due_at is not None
        and now > state.followup_due_at
    )


def newly_overdue(leads: Iterable[FollowupState], now: datetime) -> list[OverdueLead]:
    """Leads overdue now whose current deadline has not been flagged yet, most overdue first.

    The caller publishes leads.lead.followup_overdue for each and stores
    ``overdue_flagged_for = due_at`` in the same transaction.
    """
    found = [
        OverdueLead(
            lead_id=state.lead_id,
            due_at=state.followup_due_at,
            overdue_by=now - state.followup_due_at,
            awaiting_first_contact=state.first_contact_at is None,
        )
        for state in leads
        if is_overdue(state, now)
        and state.followup_due_at is not None  # implied by is_overdue; said again to narrow the type
        and state.overdue_flagged_for != state.followup_due_at
    ]
    return sorted(found, key=lambda lead: (lead.due_at, lead.lead_id))
