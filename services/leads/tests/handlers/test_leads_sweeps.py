"""The worker's sweeps: missed follow-ups flagged once per deadline, the pool offered again."""
from datetime import datetime, timedelta, timezone

import pytest

REP = {"role": "rep", "user": "rep-1", "team": "team-1", "region": "east"}


@pytest.fixture
def assigned(leads):
    leads.rep("rep-1")
    lead = leads.capture()
    return leads, lead, datetime.fromisoformat(lead["followup_due_at"])


def test_a_missed_deadline_is_flagged_once(assigned):
    leads, lead, due = assigned
    leads.run_sweeps(now=due)  # a deadline is still met at its own instant
    assert leads.events("leads.lead.followup_overdue") == []
    later = due + timedelta(minutes=5)
    leads.run_sweeps(now=later)
    leads.run_sweeps(now=later + timedelta(hours=1))
    [event] = leads.events("leads.lead.followup_overdue")
    assert event["lead_id"] == lead["id"]
    assert datetime.fromisoformat(event["followup_due_at"]) == due
    assert datetime.fromisoformat(event["detected_at"]) == later
    assert (event["rep_id"], event["team"], event["region"]) == ("rep-1", "team-1", "east")
    assert event["awaiting_first_contact"] is True and event["overdue_seconds"] == 300
    assert leads.get(f"/leads/{lead['id']}", **REP).json["overdue"] is False  # not overdue yet in real time
    assert leads.get("/leads?overdue=true", **REP).json["total"] == 0


def test_a_new_deadline_that_is_missed_is_flagged_again(assigned):
    leads, lead, due = assigned
    leads.run_sweeps(now=due + timedelta(minutes=1))
    next_due = datetime.now(timezone.utc) + timedelta(days=2)
    leads.post(f"/leads/{lead['id']}/activities", **REP, json={
        "kind": "email", "outcome": "left_message", "next_step": "call", "next_step_due_at": next_due.isoformat()})
    leads.run_sweeps(now=next_due - timedelta(minutes=1))
    assert len(leads.events("leads.lead.followup_overdue")) == 1
    leads.run_sweeps(now=next_due + timedelta(minutes=1))
    first, second = leads.events("leads.lead.followup_overdue")
    assert datetime.fromisoformat(second["followup_due_at"]) == next_due
    assert second["awaiting_first_contact"] is False


def test_closed_and_pooled_leads_are_never_flagged(leads):
    pooled = leads.capture()  # no rep: no deadline
    leads.rep("rep-1")
    dropped = leads.capture(company="Other", contact={"phone": "13911112222"})
    leads.post(f"/leads/{dropped['id']}/disqualify", **REP, json={"reason": "wrong number"})
    leads.run_sweeps(now=datetime.now(timezone.utc) + timedelta(days=365))
    flagged = {event["lead_id"] for event in leads.events("leads.lead.followup_overdue")}
    # the pool sweep gave the pooled lead to rep-1 with a deadline a year before "now": flagged next time
    assert dropped["id"] not in flagged
    assert leads.get(f"/leads/{pooled['id']}", role="admin").json["owner_rep_id"] == "rep-1"


def test_the_pool_sweep_assigns_waiting_leads_highest_grade_first(leads):
    low = leads.capture(company="Low", contact={"phone": "13911110000"}, source="import", product_lines=[],
                        needs="")
    high = leads.capture(needs="急需报价 quote", budget={"amount": "2000000", "currency": "CNY"},
                         source="referral")
    leads.rep("rep-1", capacity=1)
    leads.run_sweeps()
    assert leads.get(f"/leads/{high['id']}", role="admin").json["owner_rep_id"] == "rep-1"
    assert leads.get(f"/leads/{low['id']}", role="admin").json["owner_rep_id"] is None
    [event] = leads.events("leads.lead.assigned")
    assert event["lead_id"] == high["id"] and event["grade"] == "high"


def test_the_sweeps_are_configured_from_settings(make_leads):
    from leads.handlers import sweeps

    leads = make_leads(extra={"overdue_sweep_seconds": 5, "pool_sweep_seconds": 30})
    assert [(s.name, s.every_seconds) for s in sweeps(leads.runtime)] == [
        ("leads-followup-overdue", 5.0), ("leads-assign-pool", 30.0), ("leads-import", 1.0)]
