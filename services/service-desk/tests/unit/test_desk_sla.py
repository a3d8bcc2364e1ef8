"""SLA clocks, hand-computed on a Shanghai calendar.

Working time: Mon-Fri 09:00-12:00 and 13:30-18:00 (7.5 h a day); 2024-03-04 is a
Monday; 2024-04-04..06 is a holiday and Sunday 2024-04-07 a make-up workday.
Complaint/normal (default book): first response 2 h, resolution 16 h, level 1
at breach → supervisor, level 2 at breach + 4 h → manager.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from salesloop.calendar import BusinessCalendar
from service_desk.domain.errors import InvalidConfiguration, RuleViolation
from service_desk.domain.sla import (
    ClockMode,
    EscalationKey,
    EscalationStep,
    Priority,
    ReopenRule,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    TicketType,
)
from service_desk.domain.sla_policies import DEFAULT_POLICY_CONFIG, SlaPolicyBook
from service_desk.domain.status import StatusChange, TicketStatus

SH = ZoneInfo("Asia/Shanghai")
FIRST, RESOLUTION = SlaTarget.FIRST_RESPONSE, SlaTarget.RESOLUTION
OPEN, WORKING, WAITING, RESOLVED, CLOSED = (
    TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER,
    TicketStatus.RESOLVED, TicketStatus.CLOSED,
)


def sh(month, day, hour, minute=0):
    return datetime(2024, month, day, hour, minute, tzinfo=SH)


def hours(value):
    return timedelta(hours=value)


@pytest.fixture
def calendar():
    return BusinessCalendar.from_dict({
        "timezone": "Asia/Shanghai",
        "hours": ["09:00", "18:00"],
        "lunch_break": ["12:00", "13:30"],
        "holidays": ["2024-04-04/2024-04-06"],
        "extra_working_days": ["2024-04-07"],
    })


@pytest.fixture
def book():
    return SlaPolicyBook.default()


@pytest.fixture
def complaint(book):
    return book.policy_for(TicketType.COMPLAINT, Priority.NORMAL)


def clock(policy, calendar, received_at, *changes, responded_at=None, reopen_rule=ReopenRule.RESTART):
    history = [StatusChange(OPEN, received_at)] + [StatusChange(status, at) for status, at in changes]
    return SlaClock.for_ticket(policy, calendar, received_at, history, responded_at, reopen_rule)


class TestDueDates:
    def test_first_response_skips_lunch(self, complaint, calendar):
        # 11:00-12:00, then 13:30-14:30.
        c = clock(complaint, calendar, sh(3, 4, 11))
        assert c.first_response_due(sh(3, 4, 11)) == sh(3, 4, 14, 30)

    def test_received_on_friday_evening(self, complaint, calendar):
        c = clock(complaint, calendar, sh(3, 8, 17))
        assert c.first_response_due(sh(3, 8, 17)) == sh(3, 11, 10)
        # 16 h: Fri 1 + Mon 7.5 + Tue 7.5.
        assert c.resolution_due(sh(3, 8, 17)) == sh(3, 12, 18)

    def test_holidays_and_make_up_day(self, complaint, calendar):
        # Wed 15:00-18:00 (3) + Sun 04-07 (7.5) + Mon 04-08 09:00-12:00 (3) + 13:30-16:00 (2.5).
        c = clock(complaint, calendar, sh(4, 3, 15))
        assert c.first_response_due(sh(4, 3, 15)) == sh(4, 3, 17)
        assert c.resolution_due(sh(4, 3, 15)) == sh(4, 8, 16)

    def test_due_does_not_move_while_the_clock_runs(self, complaint, calendar):
        c = clock(complaint, calendar, sh(3, 4, 9), (WORKING, sh(3, 4, 9, 30)))
        assert {c.resolution_due(now) for now in (sh(3, 4, 9), sh(3, 4, 12, 45), sh(3, 5, 17))} == {sh(3, 6, 10)}

    def test_elapsed_counts_business_time_only(self, complaint, calendar):
        c = clock(complaint, calendar, sh(3, 8, 17))
        assert c.elapsed(RESOLUTION, sh(3, 11, 12, 30)) == hours(4)  # Fri 1 + Mon 09-12


class TestPauses:
    """Received Mon 09:00, working at 09:30, waiting on the customer Mon 10:00 to Tue 10:00."""

    @pytest.fixture
    def paused(self, complaint, calendar):
        return clock(
            complaint, calendar, sh(3, 4, 9),
            (WORKING, sh(3, 4, 9, 30)), (WAITING, sh(3, 4, 10)), (WORKING, sh(3, 5, 10)),
            responded_at=sh(3, 4, 10),
        )

    def test_a_pause_pushes_the_due_date_by_the_paused_business_time(self, paused):
        # Without the pause: Mon 09:00 + 16 h = Wed 10:00. The pause held 7.5 business
        # hours (Mon 10-12, 13:30-18, Tue 09-10), so the due date is Thu 10:00.
        assert paused.resolution_due(sh(3, 5, 10)) == sh(3, 7, 10)
        assert paused.resolution_due(sh(3, 6, 16)) == sh(3, 7, 10)

    def test_elapsed_excludes_the_pause(self, paused):
        assert paused.elapsed(RESOLUTION, sh(3, 5, 9, 59)) == hours(1)
        assert paused.elapsed(RESOLUTION, sh(3, 5, 14)) == hours(1 + 2 + 0.5)

    def test_while_paused_the_due_date_is_as_if_resumed_now(self, paused):
        # At Mon 15:00, 15 h remain: Mon 15-18 (3), Tue (7.5), Wed 09-12 (3), 13:30-15:00 (1.5).
        assert paused.is_paused(sh(3, 4, 15))
        assert paused.resolution_due(sh(3, 4, 15)) == sh(3, 6, 15)
        assert not paused.breached(RESOLUTION, sh(3, 4, 15))

    def test_a_pause_does_not_stop_the_first_response_that_was_met(self, paused):
        status = paused.status(FIRST, sh(3, 5, 12))
        assert status.met_at == sh(3, 4, 10)
        assert status.elapsed == hours(1)
        assert not status.breached
        assert status.remaining == hours(1)

    def test_waiting_before_any_response_pauses_the_first_response_clock(self, complaint, calendar):
        c = clock(complaint, calendar, sh(3, 4, 9), (WORKING, sh(3, 4, 9, 30)), (WAITING, sh(3, 4, 10)))
        status = c.status(FIRST, sh(3, 4, 17))
        assert status.paused
        assert status.elapsed == hours(1)
        assert status.due_at == sh(3, 4, 18)  # the hour left, if resumed at 17:00

    def test_a_pause_after_a_breach_does_not_undo_it(self, complaint, calendar):
        # No response; waiting from 15:00: 09:00-12:00 + 13:30-15:00 = 4.5 h > 2 h.
        c = clock(complaint, calendar, sh(3, 4, 9), (WORKING, sh(3, 4, 9, 5)), (WAITING, sh(3, 4, 15)))
        status = c.status(FIRST, sh(3, 8, 12))
        assert status.breached and status.paused
        assert status.elapsed == hours(4.5)
        assert status.due_at == sh(3, 4, 11)
        assert c.elapsed(RESOLUTION, sh(3, 8, 12)) == hours(4.5)


class TestBreachesAndEscalations:
    """Received Mon 09:00 and left untouched: first response due 11:00."""

    @pytest.fixture
    def ignored(self, complaint, calendar):
        return clock(complaint, calendar, sh(3, 4, 9))

    def test_not_breached_at_the_due_instant(self, ignored):
        assert not ignored.breached(FIRST, sh(3, 4, 11))
        assert ignored.breached(FIRST, sh(3, 4, 11, 1))

    def test_escalation_levels(self, ignored):
        # Level 2 at breach + 4 h: 6 h elapsed = Mon 09-12 + 13:30-16:30.
        assert ignored.escalation_level(FIRST, sh(3, 4, 10, 59)) == 0
        assert ignored.escalation_level(FIRST, sh(3, 4, 11, 1)) == 1
        assert ignored.escalation_level(FIRST, sh(3, 4, 16, 30)) == 1
        assert ignored.escalation_level(FIRST, sh(3, 4, 16, 31)) == 2

    def test_a_breach_escalates_once_per_level(self, ignored):
        first_sweep = ignored.pending_escalations(sh(3, 4, 11, 30), already_escalated=set())
        assert [(e.key, e.notify, e.breached_at, e.due_at) for e in first_sweep] == [
            (EscalationKey(FIRST, 1), "supervisor", sh(3, 4, 11), sh(3, 4, 11)),
        ]
        done = {e.key for e in first_sweep}
        assert ignored.pending_escalations(sh(3, 4, 11, 45), done) == []
        later = ignored.pending_escalations(sh(3, 4, 16, 31), done)
        assert [(e.key, e.notify, e.due_at) for e in later] == [
            (EscalationKey(FIRST, 2), "manager", sh(3, 4, 16, 30)),
        ]
        done |= {e.key for e in later}
        assert ignored.pending_escalations(sh(3, 4, 17, 59), done) == []

    def test_a_missed_sweep_gets_every_level_due(self, ignored):
        keys = [e.key for e in ignored.pending_escalations(sh(3, 4, 17), set())]
        assert keys == [EscalationKey(FIRST, 1), EscalationKey(FIRST, 2)]

    def test_resolution_breach_escalates_separately(self, ignored):
        # 16 h runs out Wed 10:00; by Wed 10:01 the first response is at level 2.
        due = ignored.pending_escalations(sh(3, 6, 10, 1), {EscalationKey(FIRST, 1), EscalationKey(FIRST, 2)})
        assert [(e.key, e.breached_at) for e in due] == [(EscalationKey(RESOLUTION, 1), sh(3, 6, 10))]

    def test_a_met_target_stays_breached_but_escalates_no_more(self, complaint, calendar):
        late = clock(complaint, calendar, sh(3, 4, 9), (WORKING, sh(3, 4, 17)), responded_at=sh(3, 4, 17))
        status = late.status(FIRST, sh(3, 5, 12))
        assert status.breached and status.met_at == sh(3, 4, 17)
        assert status.elapsed == hours(6.5)
        assert status.due_at == sh(3, 4, 11)
        assert [e.key.target for e in late.pending_escalations(sh(3, 5, 12), set())] == []

    def test_no_escalation_while_waiting_on_the_customer(self, complaint, calendar):
        waiting = clock(complaint, calendar, sh(3, 4, 9), (WORKING, sh(3, 4, 9)), (WAITING, sh(3, 4, 10)),
                        responded_at=sh(3, 4, 10))
        assert waiting.pending_escalations(sh(3, 15, 9), set()) == []


class TestReopening:
    """Resolved Wed 10:00 (exactly 16 h: on time), reopened Thu 09:00."""

    def reopened(self, policy, calendar, rule):
        return clock(
            policy, calendar, sh(3, 4, 9),
            (WORKING, sh(3, 4, 9)), (RESOLVED, sh(3, 6, 10)), (CLOSED, sh(3, 6, 12)), (WORKING, sh(3, 7, 9)),
            responded_at=sh(3, 4, 9, 10), reopen_rule=rule,
        )

    def test_resolved_exactly_at_the_due_instant_is_on_time(self, complaint, calendar):
        c = self.reopened(complaint, calendar, ReopenRule.RESTART)
        status = c.status(RESOLUTION, sh(3, 6, 11))
        assert status.met_at == sh(3, 6, 10)
        assert status.elapsed == hours(16)
        assert not status.breached

    def test_restart_gives_a_fresh_target_from_the_reopening(self, complaint, calendar):
        c = self.reopened(complaint, calendar, ReopenRule.RESTART)
        # Thu 7.5 + Fri 7.5 + Mon 09:00-10:00.
        status = c.status(RESOLUTION, sh(3, 7, 9))
        assert status.cycle == 1 and status.met_at is None
        assert status.due_at == sh(3, 11, 10)
        assert c.breached(RESOLUTION, sh(3, 11, 11))
        due = c.pending_escalations(sh(3, 11, 11), {EscalationKey(RESOLUTION, 1, 0)})
        assert [e.key for e in due] == [EscalationKey(RESOLUTION, 1, 1)]

    def test_resume_continues_the_old_clock(self, complaint, calendar):
        c = self.reopened(complaint, calendar, ReopenRule.RESUME)
        status = c.status(RESOLUTION, sh(3, 7, 9, 30))
        assert status.cycle == 0
        assert status.elapsed == hours(16.5)
        assert status.breached
        assert status.due_at == sh(3, 6, 10)

    def test_reopening_does_not_touch_the_first_response(self, complaint, calendar):
        c = self.reopened(complaint, calendar, ReopenRule.RESTART)
        assert c.status(FIRST, sh(3, 8, 9)).met_at == sh(3, 4, 9, 10)

    def test_the_clock_can_be_replayed_at_an_earlier_time(self, complaint, calendar):
        c = self.reopened(complaint, calendar, ReopenRule.RESTART)
        before = c.status(RESOLUTION, sh(3, 5, 18))
        assert before.met_at is None and before.cycle == 0
        assert before.elapsed == hours(15)


class TestAroundTheClock:
    """Complaint/urgent: 15 min first response, 4 h resolution, 24x7."""

    @pytest.fixture
    def urgent(self, book):
        return book.policy_for(TicketType.COMPLAINT, Priority.URGENT)

    def test_weekend_night_counts(self, urgent, calendar):
        c = clock(urgent, calendar, sh(3, 9, 22))
        assert c.first_response_due(sh(3, 9, 22)) == sh(3, 9, 22, 15)
        assert c.resolution_due(sh(3, 9, 22)) == sh(3, 10, 2)

    def test_pause_pushes_by_elapsed_time(self, urgent, calendar):
        c = clock(urgent, calendar, sh(3, 9, 22), (WORKING, sh(3, 9, 22, 5)), (WAITING, sh(3, 9, 23)),
                  (WORKING, sh(3, 10, 9)), responded_at=sh(3, 9, 22, 5))
        assert c.elapsed(RESOLUTION, sh(3, 10, 10)) == hours(2)
        assert c.resolution_due(sh(3, 10, 10)) == sh(3, 10, 12)

    def test_three_escalation_levels(self, urgent, calendar):
        c = clock(urgent, calendar, sh(3, 9, 22))
        # Breach at 22:15, manager at 23:15, director at 02:15.
        due = c.pending_escalations(sh(3, 10, 2, 16), set())
        assert [(e.key.target, e.key.level, e.notify, e.due_at) for e in due] == [
            (FIRST, 1, "supervisor", sh(3, 9, 22, 15)),
            (FIRST, 2, "manager", sh(3, 9, 23, 15)),
            (RESOLUTION, 1, "supervisor", sh(3, 10, 2)),
            (FIRST, 3, "director", sh(3, 10, 2, 15)),
        ]


class TestClockInput:
    def test_history_out_of_order_is_refused(self, complaint, calendar):
        with pytest.raises(RuleViolation, match="time order"):
            clock(complaint, calendar, sh(3, 4, 9), (WORKING, sh(3, 4, 8)))

    def test_before_the_receipt_nothing_has_elapsed(self, complaint, calendar):
        status = clock(complaint, calendar, sh(3, 4, 11)).status(FIRST, sh(3, 4, 8))
        assert status.elapsed == timedelta(0)
        assert status.due_at == sh(3, 4, 14, 30)

    def test_naive_times_are_refused(self, complaint, calendar):
        c = clock(complaint, calendar, sh(3, 4, 9))
        with pytest.raises(RuleViolation, match="aware"):
            c.status(FIRST, datetime(2024, 3, 4, 10))


class TestPolicyBook:
    def test_default_book_covers_every_type_and_priority(self, book):
        assert len(book.policies) == 12
        inquiry = book.policy_for("inquiry", "low")
        assert (inquiry.first_response, inquiry.resolution) == (hours(8), hours(40))
        assert inquiry.clock is ClockMode.BUSINESS_HOURS
        assert [s.notify for s in inquiry.escalations] == ["supervisor", "manager"]
        assert book.reopen_rule is ReopenRule.RESTART

    def test_round_trip(self, book):
        assert SlaPolicyBook.from_dict(book.to_dict()) == book

    def test_24x7_policy_runs_on_an_always_open_calendar(self, book, calendar):
        urgent = book.policy_for(TicketType.TECHNICAL, Priority.URGENT)
        assert urgent.calendar(calendar) == BusinessCalendar.twenty_four_seven("Asia/Shanghai")
        assert book.policy_for(TicketType.TECHNICAL, Priority.HIGH).calendar(calendar) is calendar

    def test_a_missing_combination_is_refused(self):
        config = dict(DEFAULT_POLICY_CONFIG, policies=DEFAULT_POLICY_CONFIG["policies"][:-1])
        with pytest.raises(InvalidConfiguration, match="no SLA policy for technical/low"):
            SlaPolicyBook.from_dict(config)

    def test_a_duplicate_is_refused(self):
        config = dict(DEFAULT_POLICY_CONFIG, policies=DEFAULT_POLICY_CONFIG["policies"] * 2)
        with pytest.raises(InvalidConfiguration, match="two SLA policies"):
            SlaPolicyBook.from_dict(config)

    @pytest.mark.parametrize("change, message", [
        ({"first_response_minutes": 0}, "positive"),
        ({"first_response_minutes": 600, "resolution_minutes": 60}, "after the resolution"),
        ({"first_response_minutes": 1.5}, "whole number"),
        ({"clock": "sometimes"}, "clock must be one of"),
        ({"colour": "red"}, "unknown SLA policy settings"),
        ({"escalations": [{"level": 2, "notify": "manager"}]}, "count 1, 2, 3"),
        ({"escalations": [{"level": 1, "after_breach_minutes": 60, "notify": "supervisor"},
                          {"level": 2, "after_breach_minutes": 30, "notify": "manager"}]}, "later than"),
        ({"escalations": [{"level": 1}]}, "needs a level and a role"),
    ])
    def test_bad_policies_are_refused(self, change, message):
        policies = [dict(p) for p in DEFAULT_POLICY_CONFIG["policies"]]
        policies[0].update(change)
        with pytest.raises(InvalidConfiguration, match=message):
            SlaPolicyBook.from_dict(dict(DEFAULT_POLICY_CONFIG, policies=policies))

    def test_policy_built_directly(self):
        policy = SlaPolicy(
            TicketType.INQUIRY, Priority.LOW, hours(1), hours(2),
            escalations=(EscalationStep(1, timedelta(0), "supervisor"),),
        )
        assert policy.target(FIRST) == hours(1) and policy.target(RESOLUTION) == hours(2)
