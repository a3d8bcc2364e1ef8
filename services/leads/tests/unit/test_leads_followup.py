from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leads.domain.assignment import DEFAULT_FOLLOWUP_POLICY, FollowupPolicy, followup_deadline
from leads.domain.customers import AbcClass
from leads.domain.errors import InvalidField
from leads.domain.grading import Grade

ASSIGNED = datetime(2024, 5, 6, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "grade, expected",
    [
        (Grade.HIGH, datetime(2024, 5, 7, 1, 30, tzinfo=UTC)),
        ("medium", datetime(2024, 5, 9, 1, 30, tzinfo=UTC)),
        ("low", datetime(2024, 5, 20, 1, 30, tzinfo=UTC)),
    ],
)
def test_default_deadlines_per_grade(grade, expected):
    assert followup_deadline(ASSIGNED, grade) == expected


def test_deadline_keeps_the_instant_whatever_the_input_zone():
    local = ASSIGNED.astimezone(ZoneInfo("Asia/Shanghai"))
    assert followup_deadline(local, "high") == datetime(2024, 5, 7, 1, 30, tzinfo=UTC)


def test_configured_policy():
    policy = FollowupPolicy(high=timedelta(hours=4), medium=timedelta(hours=48), low=timedelta(days=30))
    assert followup_deadline(ASSIGNED, "high", policy) == ASSIGNED + timedelta(hours=4)
    assert followup_deadline(ASSIGNED, "medium", policy) == ASSIGNED + timedelta(hours=48)
    assert followup_deadline(ASSIGNED, "low", policy) == ASSIGNED + timedelta(days=30)


def test_business_calendar_can_be_plugged_in():
    calls = []

    def skip_to_next_monday(start, period):
        calls.append((start, period))
        return datetime(2024, 5, 13, 1, 0, tzinfo=UTC)

    assert followup_deadline(ASSIGNED, "high", add_time=skip_to_next_monday) == datetime(2024, 5, 13, 1, 0, tzinfo=UTC)
    assert calls == [(ASSIGNED, timedelta(hours=24))]


def test_calendar_returning_naive_time_is_refused():
    with pytest.raises(InvalidField) as caught:
        followup_deadline(ASSIGNED, "high", add_time=lambda start, period: datetime(2024, 5, 7))
    assert caught.value.field == "deadline"


@pytest.mark.parametrize(
    "grade, customer_class, expected",
    [
        ("low", AbcClass.A, timedelta(days=1)),
        ("medium", "A", timedelta(days=1)),
        ("high", "A", timedelta(hours=24)),
        ("low", "B", timedelta(days=3)),
        ("high", "B", timedelta(hours=24)),  # the cap never lengthens a period
        ("low", "C", timedelta(days=14)),
        ("low", None, timedelta(days=14)),
    ],
)
def test_customer_class_caps_the_period(grade, customer_class, expected):
    assert followup_deadline(ASSIGNED, grade, customer_class=customer_class) == ASSIGNED + expected


def test_policy_from_dict():
    policy = FollowupPolicy.from_dict({"high_hours": 8, "low_hours": 240, "class_caps_hours": {"A": 4}})
    assert policy == FollowupPolicy(
        high=timedelta(hours=8), medium=timedelta(days=3), low=timedelta(days=10),
        class_caps={AbcClass.A: timedelta(hours=4)},
    )
    assert FollowupPolicy.from_dict({}) == DEFAULT_FOLLOWUP_POLICY


@pytest.mark.parametrize(
    "config, field",
    [
        ({"high_hours": 0}, "high_hours"),
        ({"medium_hours": "72"}, "medium_hours"),
        ({"class_caps_hours": {"D": 4}}, "class_caps_hours.D"),
        ({"class_caps_hours": {"A": 0}}, "class_caps_hours.A"),
        ({"urgent_hours": 1}, "urgent_hours"),
    ],
)
def test_policy_from_bad_dict(config, field):
    with pytest.raises(InvalidField) as caught:
        FollowupPolicy.from_dict(config)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: followup_deadline(datetime(2024, 5, 6), "high"), "assigned_at"),
        (lambda: followup_deadline(ASSIGNED, "urgent"), "grade"),
        (lambda: followup_deadline(ASSIGNED, "high", customer_class="Z"), "customer_class"),
        (lambda: FollowupPolicy(high=timedelta(0)), "high"),
        (lambda: FollowupPolicy(class_caps={"A": timedelta(hours=-1)}), "class_caps"),
    ],
)
def test_followup_validation(call, field):
    with pytest.raises(InvalidField) as caught:
        call()
    assert caught.value.field == field
