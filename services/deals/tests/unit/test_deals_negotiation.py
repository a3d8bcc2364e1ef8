from datetime import date, datetime, timezone

import pytest

from deals.domain.errors import RuleViolation
from deals.domain.negotiation import Attendee, NegotiationMinutes, NextStep, Side

HELD = datetime(2025, 3, 5, 6, 0, tzinfo=timezone.utc)
RECORDED = datetime(2025, 3, 5, 9, 0, tzinfo=timezone.utc)


def minutes(**overrides):
    values = dict(
        deal_id="deal-1",
        held_at=HELD,
        recorded_by="rep-1",
        recorded_at=RECORDED,
        attendees=(Attendee("Li Wei", Side.CUSTOMER, "Purchasing"), Attendee("Zhang San", Side.OURS)),
        agreed_points=("unit price 19.99", "  ", "delivery in April"),
        open_points=("payment terms",),
        next_steps=(NextStep("send revised quote", "rep-1", date(2025, 3, 7)),),
        subject="price round 2",
    )
    values.update(overrides)
    return NegotiationMinutes(**values)


def test_minutes_keep_points_steps_and_attendees():
    m = minutes()
    assert m.agreed_points == ("unit price 19.99", "delivery in April")
    assert m.open_points == ("payment terms",)
    assert m.next_steps[0].action == "send revised quote"
    assert m.next_steps[0].due == date(2025, 3, 7)
    assert [a.name for a in m.customer_attendees] == ["Li Wei"]
    assert m.attendees[0].title == "Purchasing"
    assert m.subject == "price round 2"
    assert m.is_settled is False


def test_minutes_with_nothing_open_are_settled():
    assert minutes(open_points=(" ",)).is_settled is True


def test_at_least_one_attendee():
    with pytest.raises(RuleViolation, match="at least one attendee") as caught:
        minutes(attendees=())
    assert caught.value.field == "attendees"


def test_attendee_needs_a_name():
    with pytest.raises(RuleViolation, match="attendees.name is required"):
        Attendee("  ")


def test_attendee_side_is_checked():
    assert Attendee("Wang", "third_party").side is Side.THIRD_PARTY
    with pytest.raises(ValueError):
        Attendee("Wang", "nobody")


def test_duplicate_attendees_collapse_to_one():
    m = minutes(attendees=(Attendee("Li Wei"), Attendee("li wei"), Attendee("Li Wei", Side.OURS)))
    assert [(a.name, a.side) for a in m.attendees] == [("Li Wei", Side.CUSTOMER), ("Li Wei", Side.OURS)]


def test_held_at_must_be_aware_and_not_after_recording():
    with pytest.raises(RuleViolation, match="timezone-aware"):
        minutes(held_at=datetime(2025, 3, 5, 6, 0))
    with pytest.raises(RuleViolation, match="recorded_at cannot be earlier"):
        minutes(held_at=datetime(2025, 3, 6, tzinfo=timezone.utc))


def test_next_step_needs_action_and_owner():
    with pytest.raises(RuleViolation, match="next_steps.owner is required"):
        NextStep("call back", " ")
    with pytest.raises(RuleViolation, match="next_steps.action is required"):
        NextStep("", "rep-1")
    with pytest.raises(RuleViolation, match="calendar date"):
        NextStep("call", "rep-1", datetime(2025, 3, 7, tzinfo=timezone.utc))


def test_points_must_be_a_list_not_one_string():
    with pytest.raises(RuleViolation, match="agreed_points must be a list"):
        minutes(agreed_points="everything")


def test_non_attendee_values_are_refused():
    with pytest.raises(RuleViolation, match="Attendee values"):
        minutes(attendees=("Li Wei",))
    with pytest.raises(RuleViolation, match="NextStep values"):
        minutes(next_steps=("call",))
