"""Ticket lifecycle, compensation, the SLA clock of a real ticket and a complaint's next steps."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from salesloop.calendar import BusinessCalendar
from service_desk.domain.errors import IllegalTransition, RuleViolation
from service_desk.domain.sla import Priority, SlaTarget, TicketType
from service_desk.domain.sla_policies import SlaPolicyBook
from service_desk.domain.status import StatusChange, TicketStatus
from service_desk.domain.tickets import (
    Channel,
    Compensation,
    Ticket,
    TicketClosed,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    TicketResponded,
    Verdict,
    complaint_next_steps,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(month, day, hour, minute=0):
    return datetime(2024, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def calendar():
    return BusinessCalendar.office_hours("Asia/Shanghai", lunch_break=("12:00", "13:30"))


def new_ticket(ticket_type=TicketType.COMPLAINT, priority=Priority.NORMAL, at=None):
    return Ticket.open(
        id="T-1", ticket_type=ticket_type, priority=priority, customer_id="C-9", channel=Channel.PHONE,
        subject="  Parcel arrived broken ", description="The box was crushed.", received_at=at or sh(3, 4, 9),
        order_id="O-7",
    )


def working_ticket():
    ticket = new_ticket()
    ticket.start_work(sh(3, 4, 9, 30), agent_id="agent-1")
    return ticket


class TestOpening:
    def test_open(self):
        ticket = new_ticket()
        assert ticket.status is TicketStatus.OPEN
        assert ticket.subject == "Parcel arrived broken"
        assert ticket.history == [StatusChange(TicketStatus.OPEN, sh(3, 4, 9))]
        assert ticket.pull_events() == [
            TicketOpened("T-1", sh(3, 4, 9), TicketType.COMPLAINT, Priority.NORMAL, "C-9", Channel.PHONE)
        ]
        assert ticket.pull_events() == []

    @pytest.mark.parametrize("subject, message", [("   ", "needs a subject"), ("x" * 201, "at most 200")])
    def test_subject_rules(self, subject, message):
        with pytest.raises(RuleViolation, match=message):
            Ticket.open(id="T", ticket_type="inquiry", priority="low", customer_id="C", channel="chat",
                        subject=subject, description="", received_at=sh(3, 4, 9))

    def test_naive_receipt_time_is_refused(self):
        with pytest.raises(RuleViolation, match="aware"):
            new_ticket(at=datetime(2024, 3, 4, 9))


class TestLifecycle:
    def test_the_happy_path(self):
        ticket = working_ticket()
        assert ticket.assignee == "agent-1"
        assert ticket.record_response(sh(3, 4, 9, 40), by="agent-1") is True
        ticket.wait_on_customer(sh(3, 4, 10))
        ticket.resume(sh(3, 5, 10))
        ticket.resolve(sh(3, 5, 15), "Replacement sent", "agent-1",
                       Compensation(Decimal("50.00"), "CNY", "broken parcel"), agent_at_fault=None)
        ticket.close(sh(3, 6, 9), Verdict.SATISFIED)
        assert [change.status for change in ticket.history] == [
            TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER,
            TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED,
        ]
        assert ticket.verdict is Verdict.SATISFIED
        assert ticket.resolution.compensation.amount == Decimal("50.00")
        assert [type(e) for e in ticket.pull_events()] == [
            TicketOpened, TicketResponded, TicketResolved, TicketClosed,
        ]

    @pytest.mark.parametrize("move", [
        lambda t: t.resolve(sh(3, 4, 10), "done", "a"),
        lambda t: t.close(sh(3, 4, 10), Verdict.SATISFIED),
        lambda t: t.reopen(sh(3, 4, 10), "again"),
        lambda t: t.resume(sh(3, 4, 10)),
        lambda t: t.wait_on_customer(sh(3, 4, 10)),
    ])
    def test_illegal_moves_from_open(self, move):
        ticket = new_ticket()
        with pytest.raises(IllegalTransition, match="it is open"):
            move(ticket)
        assert ticket.status is TicketStatus.OPEN
        assert len(ticket.history) == 1

    def test_cannot_start_twice_or_close_an_unresolved_ticket(self):
        ticket = working_ticket()
        with pytest.raises(IllegalTransition, match="cannot start work on ticket T-1: it is in_progress"):
            ticket.start_work(sh(3, 4, 10))
        with pytest.raises(IllegalTransition):
            ticket.close(sh(3, 4, 10), Verdict.UNSATISFIED)

    def test_cannot_resolve_while_waiting_on_the_customer(self):
        ticket = working_ticket()
        ticket.wait_on_customer(sh(3, 4, 10))
        with pytest.raises(IllegalTransition, match="it is waiting_on_customer"):
            ticket.resolve(sh(3, 4, 11), "done", "a")

    def test_first_response_is_recorded_once(self):
        ticket = working_ticket()
        assert ticket.record_response(sh(3, 4, 9, 40)) is True
        assert ticket.record_response(sh(3, 4, 11)) is False
        assert ticket.responded_at == sh(3, 4, 9, 40)
        assert sum(isinstance(e, TicketResponded) for e in ticket.events) == 1

    def test_waiting_on_the_customer_is_a_response(self):
        ticket = working_ticket()
        ticket.wait_on_customer(sh(3, 4, 10))
        assert ticket.responded_at == sh(3, 4, 10)

    def test_resolution_is_a_response_when_nobody_replied(self):
        ticket = working_ticket()
        ticket.resolve(sh(3, 4, 11), "Answered", "agent-2")
        assert ticket.responded_at == sh(3, 4, 11)

    def test_resolution_needs_a_text(self):
        with pytest.raises(RuleViolation, match="needs a text"):
            working_ticket().resolve(sh(3, 4, 11), "  ", "agent-2")

    def test_reopen_counts_and_keeps_earlier_resolutions(self):
        ticket = working_ticket()
        ticket.resolve(sh(3, 4, 11), "First try", "agent-1")
        ticket.close(sh(3, 4, 12), Verdict.UNSATISFIED)
        ticket.reopen(sh(3, 4, 14), "still broken")
        assert ticket.status is TicketStatus.IN_PROGRESS
        assert ticket.verdict is None and ticket.resolution is None
        ticket.resolve(sh(3, 5, 11), "Second try", "agent-1", agent_at_fault="agent-3")
        ticket.reopen(sh(3, 5, 12), "not again")
        assert ticket.reopen_count == 2
        assert [r.text for r in ticket.resolutions] == ["First try", "Second try"]
        reopened = [e for e in ticket.events if isinstance(e, TicketReopened)]
        assert [(e.reopen_count, e.reason) for e in reopened] == [(1, "still broken"), (2, "not again")]

    def test_reopen_needs_a_reason(self):
        ticket = working_ticket()
        ticket.resolve(sh(3, 4, 11), "Done", "agent-1")
        with pytest.raises(RuleViolation, match="why"):
            ticket.reopen(sh(3, 4, 12), "")

    def test_close_without_a_verdict(self):
        ticket = working_ticket()
        ticket.resolve(sh(3, 4, 11), "Done", "agent-1")
        ticket.close(sh(3, 11, 11), None)
        assert ticket.status is TicketStatus.CLOSED and ticket.verdict is None

    def test_closed_ticket_takes_no_replies_or_assignment(self):
        ticket = working_ticket()
        ticket.resolve(sh(3, 4, 11), "Done", "agent-1")
        ticket.close(sh(3, 4, 12), Verdict.SATISFIED)
        with pytest.raises(IllegalTransition, match="reopen it"):
            ticket.record_response(sh(3, 4, 13))
        with pytest.raises(IllegalTransition):
            ticket.assign("agent-2")

    def test_changes_cannot_go_back_in_time(self):
        ticket = working_ticket()
        with pytest.raises(RuleViolation, match="before the ticket's last change"):
            ticket.wait_on_customer(sh(3, 4, 9, 15))

    def test_investigation_notes(self):
        ticket = working_ticket()
        note = ticket.add_note(sh(3, 4, 10), "agent-1", " Called the courier. ")
        assert ticket.notes == [note] and note.text == "Called the courier."


class TestCompensation:
    @pytest.mark.parametrize("amount, currency, reason, message", [
        (50.0, "CNY", "late", "never a float"),
        (Decimal("NaN"), "CNY", "late", "finite"),
        (Decimal("0"), "CNY", "late", "greater than zero"),
        (Decimal("-5"), "CNY", "late", "greater than zero"),
        (Decimal("5"), "rmb", "late", "ISO 4217"),
        (Decimal("5"), "CNY", " ", "needs a reason"),
    ])
    def test_rules(self, amount, currency, reason, message):
        with pytest.raises(RuleViolation, match=message):
            Compensation(amount, currency, reason)


class TestTicketSlaClock:
    def test_clock_follows_the_ticket(self, calendar):
        ticket = working_ticket()
        ticket.wait_on_customer(sh(3, 4, 10))
        ticket.resume(sh(3, 5, 10))
        clock = ticket.sla_clock(SlaPolicyBook.default(), calendar)
        # 1 h before the pause, 7.5 h paused: Mon 09:00 + 16 h + 7.5 h = Thu 10:00.
        assert clock.resolution_due(sh(3, 5, 10)) == sh(3, 7, 10)
        assert clock.status(SlaTarget.FIRST_RESPONSE, sh(3, 5, 10)).met_at == sh(3, 4, 10)


class TestComplaintNextSteps:
    def test_business_hours_with_deadlines(self, calendar):
        policy = SlaPolicyBook.default().policy_for(TicketType.COMPLAINT, Priority.NORMAL)
        steps = complaint_next_steps(policy, calendar, received_at=sh(3, 8, 17))
        # 2 h: Fri 17-18 + Mon 09-10; 16 h: Fri 1 + Mon 7.5 + Tue 7.5.
        assert [s.due_at for s in steps.steps if s.due_at] == [sh(3, 11, 10), sh(3, 12, 18)]
        zh, en = steps.text("zh"), steps.text("en")
        assert "2. 首次回复：客服专员将在2小时内（按工作时间计算）与您联系，向您致歉并确认情况（最迟 2024-03-11 10:00）。" in zh
        assert "16小时内（按工作时间计算）告知处理结果（最迟 2024-03-12 18:00）" in zh
        assert "逐级升级至主管、经理" in zh
        assert ("within 2 hours of business time to apologise and confirm the details "
                "(by 2024-03-11 10:00 Asia/Shanghai)") in en
        assert "goes automatically to a supervisor, then a manager." in en
        assert en.startswith("1. Registered:") and en.count("\n") == 5

    def test_around_the_clock_without_a_receipt_time(self, calendar):
        policy = SlaPolicyBook.default().policy_for(TicketType.COMPLAINT, Priority.URGENT)
        steps = complaint_next_steps(policy, calendar)
        assert all(step.due_at is None for step in steps.steps)
        assert "15分钟内（全天候计算，含节假日）" in steps.text("zh")
        assert "within 15 minutes around the clock to apologise" in steps.text("en")
        assert "within 4 hours around the clock" in steps.text("en")

    def test_only_for_complaints(self, calendar):
        policy = SlaPolicyBook.default().policy_for(TicketType.INQUIRY, Priority.NORMAL)
        with pytest.raises(RuleViolation, match="complaints"):
            complaint_next_steps(policy, calendar)


def test_time_order_is_by_instant_not_by_zone():
    # 02:00 in Berlin (CET) is 09:00 in Shanghai: the same instant as the receipt.
    ticket = new_ticket()
    ticket.start_work(datetime(2024, 3, 4, 2, tzinfo=ZoneInfo("Europe/Berlin")))
    assert ticket.history[-1].at - ticket.received_at == timedelta(0)
