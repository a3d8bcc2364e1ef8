from datetime import UTC, datetime, timedelta

import pytest

from leads.domain.errors import IllegalTransition, InvalidField, RuleViolation
from leads.domain.lifecycle import (
    Activity,
    ActivityKind,
    ActivityLogged,
    ActivityOutcome,
    ContactState,
    LeadStatus,
    log_activity,
    transition,
)

S = LeadStatus
NOW = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)

DETAILS = {S.ASSIGNED: {"rep_id": "r1"}, S.DISQUALIFIED: {"reason": "no budget"}, S.CONVERTED: {"customer_id": "c1"}}

ALLOWED = {
    (S.NEW, S.ASSIGNED), (S.NEW, S.DISQUALIFIED),
    (S.ASSIGNED, S.ASSIGNED), (S.ASSIGNED, S.CONTACTED), (S.ASSIGNED, S.DISQUALIFIED),
    (S.CONTACTED, S.ASSIGNED), (S.CONTACTED, S.QUALIFIED), (S.CONTACTED, S.DISQUALIFIED),
    (S.QUALIFIED, S.CONVERTED), (S.QUALIFIED, S.DISQUALIFIED),
}


@pytest.mark.parametrize("current, target", sorted(ALLOWED))
def test_allowed_transitions(current, target):
    assert transition(current, target, **DETAILS.get(target, {})) is target


@pytest.mark.parametrize(
    "current, target",
    sorted((c, t) for c in S for t in S if (c, t) not in ALLOWED),
)
def test_every_other_transition_is_illegal(current, target):
    with pytest.raises(IllegalTransition) as caught:
        transition(current, target, **DETAILS.get(target, {}))
    assert (caught.value.current, caught.value.target) == (current.value, target.value)


def test_illegal_transition_messages():
    with pytest.raises(IllegalTransition) as caught:
        transition("new", "qualified")
    assert caught.value.message == "a new lead cannot become qualified (allowed: assigned, disqualified)"
    with pytest.raises(IllegalTransition) as caught:
        transition("converted", "disqualified", reason="x")
    assert caught.value.message == "a converted lead is final and cannot become disqualified"


def test_qualified_lead_cannot_be_reassigned():
    with pytest.raises(IllegalTransition):
        transition(S.QUALIFIED, S.ASSIGNED, rep_id="r2")


@pytest.mark.parametrize(
    "current, target, details, field",
    [
        (S.CONTACTED, S.DISQUALIFIED, {}, "reason"),
        (S.NEW, S.DISQUALIFIED, {"reason": "   "}, "reason"),
        (S.NEW, S.ASSIGNED, {}, "rep_id"),
        (S.QUALIFIED, S.CONVERTED, {"customer_id": None}, "customer_id"),
    ],
)
def test_transitions_need_their_details(current, target, details, field):
    with pytest.raises(InvalidField) as caught:
        transition(current, target, **details)
    assert caught.value.field == field


def test_unknown_status_is_invalid():
    with pytest.raises(InvalidField) as caught:
        transition("new", "won")
    assert caught.value.field == "target"


def test_final_statuses():
    assert {status for status in S if status.is_final} == {S.CONVERTED, S.DISQUALIFIED}


# --- activities -----------------------------------------------------------------

def activity(occurred_at=NOW - timedelta(hours=1), **overrides) -> Activity:
    values = dict(activity_id="a1", lead_id="L1", kind="call", outcome="connected",
                  next_step="send the brochure", occurred_at=occurred_at, by="r1")
    values.update(overrides)
    return Activity(**values)


def test_first_activity_on_assigned_lead_makes_it_contacted():
    when = NOW - timedelta(hours=1)
    due = NOW + timedelta(days=2)
    result = log_activity(ContactState(S.ASSIGNED), activity(when, next_step_due_at=due), NOW)
    assert result == ActivityLogged(
        status=S.CONTACTED, first_contact_at=when, followup_due_at=due,
        status_changed=True, was_first_contact=True,
    )


def test_later_activity_keeps_status_and_first_contact():
    first = NOW - timedelta(days=2)
    result = log_activity(ContactState(S.CONTACTED, first), activity(kind="visit"), NOW)
    assert (result.status, result.first_contact_at, result.status_changed, result.was_first_contact) == (
        S.CONTACTED, first, False, False,
    )
    assert result.followup_due_at is None


def test_backdated_activity_moves_first_contact_earlier():
    recorded = NOW - timedelta(hours=2)
    earlier = NOW - timedelta(days=1)
    result = log_activity(ContactState(S.CONTACTED, recorded), activity(earlier), NOW)
    assert result.first_contact_at == earlier


def test_activity_on_qualified_lead_keeps_it_qualified():
    result = log_activity(ContactState(S.QUALIFIED, NOW - timedelta(days=5)), activity(), NOW)
    assert result.status is S.QUALIFIED


def test_reassigned_lead_becomes_contacted_again_on_the_new_reps_contact():
    first = NOW - timedelta(days=5)
    result = log_activity(ContactState(S.ASSIGNED, first), activity(by="r2"), NOW)
    assert (result.status, result.first_contact_at, result.was_first_contact) == (S.CONTACTED, first, False)


@pytest.mark.parametrize("status", [S.NEW, S.CONVERTED, S.DISQUALIFIED])
def test_no_activity_on_unassigned_or_final_leads(status):
    with pytest.raises(RuleViolation):
        log_activity(ContactState(status), activity(), NOW)


def test_activity_in_the_future_is_refused_beyond_clock_skew():
    log_activity(ContactState(S.ASSIGNED), activity(NOW + timedelta(minutes=5)), NOW)
    with pytest.raises(InvalidField) as caught:
        log_activity(ContactState(S.ASSIGNED), activity(NOW + timedelta(minutes=6)), NOW)
    assert caught.value.field == "occurred_at"


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(kind="fax"), "kind"),
        (dict(outcome="great"), "outcome"),
        (dict(next_step=" "), "next_step"),
        (dict(occurred_at=datetime(2024, 5, 6)), "occurred_at"),
        (dict(next_step_due_at=NOW - timedelta(hours=1)), "next_step_due_at"),
        (dict(by=""), "by"),
    ],
)
def test_activity_validation(overrides, field):
    with pytest.raises(InvalidField) as caught:
        activity(**overrides)
    assert caught.value.field == field


def test_activity_values_are_enums():
    logged = activity(kind="email", outcome="meeting_scheduled")
    assert (logged.kind, logged.outcome) == (ActivityKind.EMAIL, ActivityOutcome.MEETING_SCHEDULED)
    assert {kind.value for kind in ActivityKind} == {"call", "email", "visit", "chat"}
