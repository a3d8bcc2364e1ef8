from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.domain.errors import IllegalTransition, InvalidInput, RuleViolation
from orders.domain.plan import (
    DEFAULT_LEAD_TIMES,
    ExecutionPlan,
    LeadTimes,
    Stage,
    StageStatus,
    default_plan,
)
from orders.domain.workdays import WorkCalendar, office_calendar

AT = datetime(2024, 6, 12, 8, 0, tzinfo=UTC)
OWNERS = {"purchasing": "buyer-1", "production": "plant-2", "packing": "wh-3", "shipping": "log-4"}


def plan(**kwargs):
    return default_plan(date(2024, 6, 30), OWNERS, **kwargs)


def schedule(built):
    return [(stage.name, stage.owner, stage.planned_start, stage.due_date) for stage in built.stages]


def test_default_plan_runs_backwards_from_delivery_in_calendar_days():
    # Lead times 5, 10, 2, 3 days; shipping ends on the delivery date.
    assert schedule(plan()) == [
        ("purchasing", "buyer-1", date(2024, 6, 10), date(2024, 6, 15)),
        ("production", "plant-2", date(2024, 6, 15), date(2024, 6, 25)),
        ("packing", "wh-3", date(2024, 6, 25), date(2024, 6, 27)),
        ("shipping", "log-4", date(2024, 6, 27), date(2024, 6, 30)),
    ]
    assert all(stage.status is StageStatus.PENDING for stage in plan().stages)


def test_default_plan_in_working_days_skips_weekends():
    lead_times = LeadTimes(DEFAULT_LEAD_TIMES.days, office_calendar("Asia/Shanghai"))

    built = default_plan(date(2024, 6, 28), lead_times=lead_times)  # a Friday

    assert [(s.planned_start, s.due_date) for s in built.stages] == [
        (date(2024, 5, 31), date(2024, 6, 7)),
        (date(2024, 6, 7), date(2024, 6, 21)),
        (date(2024, 6, 21), date(2024, 6, 25)),
        (date(2024, 6, 25), date(2024, 6, 28)),
    ]


def test_default_plan_skips_holidays():
    dragon_boat = date(2024, 6, 10)
    lead_times = LeadTimes(DEFAULT_LEAD_TIMES.days, office_calendar("Asia/Shanghai", frozenset({dragon_boat})))

    built = default_plan(date(2024, 6, 28), lead_times=lead_times)

    assert built.stages[1].planned_start == date(2024, 6, 6)
    assert built.latest_start == date(2024, 5, 30)


def test_lead_times_are_configurable_and_stages_too():
    lead_times = LeadTimes({"assembly": 4, "inspection": 1, "delivery": 2})

    stages = ("assembly", "inspection", "delivery")
    built = default_plan(date(2024, 6, 30), {"assembly": "a"}, lead_times, stages=stages)

    assert schedule(built) == [
        ("assembly", "a", date(2024, 6, 23), date(2024, 6, 27)),
        ("inspection", None, date(2024, 6, 27), date(2024, 6, 28)),
        ("delivery", None, date(2024, 6, 28), date(2024, 6, 30)),
    ]


def test_a_missing_or_negative_lead_time_is_reported():
    with pytest.raises(InvalidInput) as refused:
        default_plan(date(2024, 6, 30), lead_times=LeadTimes({"purchasing": -1, "production": 2, "packing": 1}))

    assert refused.value.errors == {
        "lead_times.purchasing": ["must be a whole number of days, 0 or more"],
        "lead_times.shipping": ["is required"],
    }


def test_feasibility_depends_on_the_latest_start():
    built = plan()

    assert built.is_feasible(date(2024, 6, 10)) is True
    assert built.is_feasible(date(2024, 6, 11)) is False


@pytest.mark.parametrize(("done", "expected"), [(0, "0.00"), (1, "25.00"), (2, "50.00"), (3, "75.00"), (4, "100.00")])
def test_progress_is_done_stages_over_all(done, expected):
    built = plan()
    for stage in built.stages[:done]:
        built.complete(stage.name, "u1", AT)

    assert built.progress == Decimal(expected)
    assert built.is_complete is (done == 4)


def test_progress_of_three_stages_rounds_to_two_decimals():
    built = default_plan(date(2024, 6, 30), lead_times=LeadTimes({"a": 1, "b": 1, "c": 1}), stages=("a", "b", "c"))

    built.complete("a", "u1", AT)
    assert built.progress == Decimal("33.33")
    built.complete("b", "u1", AT)
    assert built.progress == Decimal("66.67")


def test_in_progress_stages_do_not_count_as_progress():
    built = plan()
    built.start("purchasing", "buyer-1", AT)

    assert built.progress == Decimal("0.00")
    assert built.current_stage.name == "purchasing"


def test_overdue_flags_stages_past_due_and_not_done():
    built = plan()

    overdue = built.overdue(datetime(2024, 6, 26, 10, 0, tzinfo=UTC))

    assert [stage.name for stage in overdue] == ["purchasing", "production"]
    assert overdue[0].days_overdue(date(2024, 6, 26)) == 11


def test_a_stage_is_not_overdue_on_its_due_day():
    assert plan().overdue(datetime(2024, 6, 15, 23, 59, tzinfo=UTC)) == ()


def test_done_stages_are_never_overdue_but_blocked_ones_are():
    built = plan()
    built.complete("purchasing", "u1", AT)
    built.block("production", "machine broken", "plant-2", AT)

    overdue = built.overdue(datetime(2024, 7, 1, tzinfo=UTC))

    assert [stage.name for stage in overdue] == ["production", "packing", "shipping"]
    assert built.stage("purchasing").days_overdue(date(2024, 7, 1)) == 0


def test_overdue_uses_the_local_day_of_the_plan_calendar():
    just_after_midnight_in_shanghai = datetime(2024, 6, 15, 17, 0, tzinfo=UTC)  # 16 June, 01:00 local
    lead_times = LeadTimes(DEFAULT_LEAD_TIMES.days, WorkCalendar(zone="Asia/Shanghai"))

    assert plan().overdue(just_after_midnight_in_shanghai) == ()
    assert [s.name for s in plan(lead_times=lead_times).overdue(just_after_midnight_in_shanghai)] == ["purchasing"]


def test_start_records_who_and_when():
    built = plan()

    stage = built.start("purchasing", "buyer-1", AT)

    assert (stage.status, stage.started_by, stage.started_at) == (StageStatus.IN_PROGRESS, "buyer-1", AT)


def test_starting_an_unassigned_stage_assigns_it():
    built = default_plan(date(2024, 6, 30))

    assert built.start("production", "plant-9", AT).owner == "plant-9"


def test_stages_may_overlap_when_starting():
    built = plan()
    built.start("purchasing", "u1", AT)

    assert built.start("production", "u2", AT).status is StageStatus.IN_PROGRESS


def test_complete_needs_earlier_stages_done():
    built = plan()

    with pytest.raises(RuleViolation) as refused:
        built.complete("packing", "wh-3", AT)

    assert refused.value.message == "packing cannot be done before purchasing, production are done"


def test_complete_without_start_starts_it_at_the_same_moment():
    built = plan()

    stage = built.complete("purchasing", "buyer-1", AT)

    assert (stage.status, stage.started_at, stage.completed_at, stage.completed_by) == (
        StageStatus.DONE, AT, AT, "buyer-1"
    )


def test_a_done_stage_cannot_be_completed_started_or_changed_again():
    built = plan()
    built.complete("purchasing", "u1", AT)

    with pytest.raises(IllegalTransition) as refused:
        built.complete("purchasing", "u1", AT)
    assert refused.value.message == "stage purchasing cannot go from done to done; allowed: none (final state)"
    with pytest.raises(IllegalTransition):
        built.start("purchasing", "u1", AT)
    with pytest.raises(IllegalTransition):
        built.assign("purchasing", "someone")
    with pytest.raises(IllegalTransition):
        built.reschedule("purchasing", date(2024, 7, 1))


def test_block_needs_a_reason_and_unblock_returns_to_where_it_was():
    built = plan()
    with pytest.raises(InvalidInput) as refused:
        built.block("purchasing", " ", "u1", AT)
    assert refused.value.errors == {"reason": ["must not be blank"]}

    built.block("purchasing", "supplier late", "u1", AT)
    assert built.stage("purchasing").blocked_reason == "supplier late"
    assert built.unblock("purchasing", "u1", AT).status is StageStatus.PENDING

    built.start("purchasing", "u1", AT)
    built.block("purchasing", "supplier late again", "u1", AT)
    unblocked = built.unblock("purchasing", "u1", AT)
    assert (unblocked.status, unblocked.blocked_reason) == (StageStatus.IN_PROGRESS, None)


def test_a_blocked_stage_cannot_be_completed():
    built = plan()
    built.block("purchasing", "supplier late", "u1", AT)

    with pytest.raises(IllegalTransition) as refused:
        built.complete("purchasing", "u1", AT)
    assert refused.value.message == "stage purchasing is blocked (supplier late); unblock it first"
    with pytest.raises(IllegalTransition):
        built.start("purchasing", "u1", AT)
    assert built.stage("purchasing").status is StageStatus.BLOCKED


def test_assign_and_reschedule():
    built = plan()

    assert built.assign("packing", "wh-9").owner == "wh-9"
    assert built.reschedule("packing", date(2024, 6, 28)).due_date == date(2024, 6, 28)
    with pytest.raises(InvalidInput):
        built.reschedule("packing", datetime(2024, 6, 28, tzinfo=UTC))


def test_unknown_stage_is_reported():
    with pytest.raises(InvalidInput) as refused:
        plan().start("painting", "u1", AT)

    assert refused.value.errors == {
        "stage": ["'painting' is not a stage of this plan (purchasing, production, packing, shipping)"]
    }


def test_stage_operations_need_an_aware_time():
    with pytest.raises(InvalidInput) as refused:
        plan().start("purchasing", "u1", datetime(2024, 6, 12, 8, 0))

    assert refused.value.errors == {"at": ["must be a date-time with a timezone offset"]}


def test_a_plan_needs_unique_stages():
    with pytest.raises(InvalidInput):
        ExecutionPlan([])
    with pytest.raises(InvalidInput):
        ExecutionPlan([Stage("a", None, date(2024, 1, 1)), Stage("a", None, date(2024, 1, 2))])
