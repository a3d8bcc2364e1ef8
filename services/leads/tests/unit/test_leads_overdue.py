from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from leads.domain.errors import InvalidField
from leads.domain.lifecycle import LeadStatus
from leads.domain.overdue import FollowupState, OverdueLead, is_overdue, newly_overdue

DUE = datetime(2024, 5, 7, 1, 30, tzinfo=UTC)


def state(lead_id="L1", status="assigned", due=DUE, first=None, flagged=None) -> FollowupState:
    return FollowupState(lead_id, status, due, first, flagged)


def test_overdue_after_the_deadline_only():
    assert newly_overdue([state()], DUE) == []
    assert newly_overdue([state()], DUE + timedelta(minutes=1)) == [
        OverdueLead("L1", DUE, timedelta(minutes=1), awaiting_first_contact=True)
    ]


def test_flagged_once_per_deadline():
    now = DUE + timedelta(hours=3)
    (found,) = newly_overdue([state()], now)
    flagged = state(flagged=found.due_at)
    assert newly_overdue([flagged], now) == []
    assert newly_overdue([flagged], now + timedelta(days=3)) == []
    assert is_overdue(flagged, now) is True  # still late, just not news


def test_a_new_deadline_can_be_flagged_again():
    flagged = state(status="contacted", first=DUE - timedelta(days=1), flagged=DUE)
    moved = replace(flagged, followup_due_at=DUE + timedelta(days=3))
    assert newly_overdue([moved], DUE + timedelta(days=1)) == []
    assert newly_overdue([moved], DUE + timedelta(days=4)) == [
        OverdueLead("L1", DUE + timedelta(days=3), timedelta(days=1), awaiting_first_contact=False)
    ]


def test_flag_compares_instants_not_zones():
    from zoneinfo import ZoneInfo

    same_instant = DUE.astimezone(ZoneInfo("Asia/Shanghai"))
    assert newly_overdue([state(flagged=same_instant)], DUE + timedelta(hours=1)) == []


@pytest.mark.parametrize("status", ["new", "converted", "disqualified"])
def test_unwatched_statuses_are_never_overdue(status):
    assert newly_overdue([state(status=status)], DUE + timedelta(days=30)) == []


def test_no_deadline_is_never_overdue():
    assert newly_overdue([state(status="contacted", due=None)], DUE + timedelta(days=30)) == []


def test_qualified_lead_next_step_deadline_is_watched():
    (found,) = newly_overdue([state(status="qualified", first=DUE - timedelta(days=9))], DUE + timedelta(hours=2))
    assert (found.lead_id, found.overdue_by, found.awaiting_first_contact) == ("L1", timedelta(hours=2), False)


def test_most_overdue_first():
    leads = [
        state("late-1h", due=DUE - timedelta(hours=1)),
        state("on-time", due=DUE + timedelta(hours=1)),
        state("late-1d", due=DUE - timedelta(days=1)),
        state("done", status="converted", due=DUE - timedelta(days=9)),
    ]
    assert [lead.lead_id for lead in newly_overdue(leads, DUE)] == ["late-1d", "late-1h"]


def test_aware_times_required():
    with pytest.raises(InvalidField) as caught:
        newly_overdue([state()], datetime(2024, 5, 8))
    assert caught.value.field == "now"
    with pytest.raises(InvalidField) as caught:
        state(due=datetime(2024, 5, 7))
    assert caught.value.field == "followup_due_at"


def test_status_is_parsed():
    assert state(status="contacted").status is LeadStatus.CONTACTED
    with pytest.raises(InvalidField):
        state(status="lost")
