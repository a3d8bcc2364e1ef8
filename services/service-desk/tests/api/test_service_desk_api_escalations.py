"""The SLA sweep: each breach escalates once per level (and per resolution cycle)."""
from service_desk_client import AGENT, data_of, iso, sh


def open_complaint(desk, received_at):
    response = desk.post("/tickets", json={
        "type": "complaint", "priority": "normal", "channel": "phone", "customer_id": "C-1",
        "description": "Wrong size delivered", "received_at": iso(received_at)}, **AGENT)
    assert response.status_code == 201, response.json
    return response.json["id"]


def act(desk, ticket_id, action, **body):
    response = desk.post(f"/tickets/{ticket_id}/{action}", json=body, **AGENT)
    assert response.status_code == 200, response.json
    return response.json


def escalations(desk):
    return [(e["target"], e["level"], e["cycle"], e["escalated_to"]) for e in data_of(desk, "service.ticket.sla_breached")]


def test_each_level_escalates_once_however_often_the_sweep_runs(desk):
    ticket_id = open_complaint(desk, sh(11, 2, 10))  # first response due Mon 12:00, resolution Wed 11:00
    desk.run_sweeps(sh(11, 2, 11, 59))
    # Due at noon, but no business time passes over lunch: the target is exceeded only from 13:30.
    desk.run_sweeps(sh(11, 2, 13, 0))
    assert escalations(desk) == []
    desk.run_sweeps(sh(11, 2, 13, 31))
    desk.run_sweeps(sh(11, 2, 13, 45))
    assert escalations(desk) == [("first_response", 1, 0, "supervisor")]
    # Level 2 comes 4 business hours after the breach: 13:30 + 4 h = 17:30 (lunch does not count).
    desk.run_sweeps(sh(11, 2, 17, 29))
    assert len(escalations(desk)) == 1
    desk.run_sweeps(sh(11, 2, 17, 31))
    desk.run_sweeps(sh(11, 3, 9))
    assert escalations(desk) == [("first_response", 1, 0, "supervisor"), ("first_response", 2, 0, "manager")]
    desk.run_sweeps(sh(11, 4, 11, 5))
    assert escalations(desk)[-1] == ("resolution", 1, 0, "supervisor")
    desk.run_sweeps(sh(11, 4, 11, 6))
    assert len(escalations(desk)) == 3
    first = data_of(desk, "service.ticket.sla_breached")[0]
    assert first["ticket_id"] == ticket_id and first["agent_id"] == "agent-1"
    assert first["due_at"] == first["breached_at"] == "2026-11-02T04:00:00+00:00"
    assert first["escalated_at"] == "2026-11-02T05:31:00+00:00"
    second = data_of(desk, "service.ticket.sla_breached")[1]
    assert second["level_due_at"] == "2026-11-02T09:30:00+00:00"
    detail = desk.get(f"/tickets/{ticket_id}", **AGENT).json
    assert [(e["target"], e["level"]) for e in detail["escalations"]] == [
        ("first_response", 1), ("first_response", 2), ("resolution", 1)]


def test_a_sweep_that_was_down_sends_every_level_due_at_once(desk):
    open_complaint(desk, sh(11, 2, 10))
    desk.run_sweeps(sh(11, 3, 9))
    assert escalations(desk) == [("first_response", 1, 0, "supervisor"), ("first_response", 2, 0, "manager")]


def test_a_ticket_waiting_on_the_customer_does_not_escalate(desk):
    ticket_id = open_complaint(desk, sh(11, 2, 10))
    act(desk, ticket_id, "start", at=iso(sh(11, 2, 10, 10)))
    act(desk, ticket_id, "wait", at=iso(sh(11, 2, 10, 20)))  # a question to the customer is a response
    desk.run_sweeps(sh(11, 6, 17))
    assert escalations(desk) == []


def test_the_pause_moves_the_breach(desk):
    ticket_id = open_complaint(desk, sh(11, 2, 10))
    act(desk, ticket_id, "start", at=iso(sh(11, 2, 10, 10)))
    act(desk, ticket_id, "respond", at=iso(sh(11, 2, 10, 30)))
    act(desk, ticket_id, "wait", at=iso(sh(11, 3, 9)))  # 6.5 h ran on Monday
    act(desk, ticket_id, "resume", at=iso(sh(11, 4, 9)))  # Tuesday did not count
    # 9.5 h left from Wed 09:00: Wed 7.5 h, Thu 09:00-11:00.
    desk.run_sweeps(sh(11, 5, 10, 59))
    assert escalations(desk) == []
    desk.run_sweeps(sh(11, 5, 11, 1))
    assert escalations(desk) == [("resolution", 1, 0, "supervisor")]
    assert data_of(desk, "service.ticket.sla_breached")[0]["breached_at"] == "2026-11-05T03:00:00+00:00"


def test_a_reopened_ticket_escalates_afresh_in_its_new_cycle(desk):
    ticket_id = open_complaint(desk, sh(11, 2, 10))
    act(desk, ticket_id, "start", at=iso(sh(11, 2, 10, 10)))
    act(desk, ticket_id, "respond", at=iso(sh(11, 2, 10, 30)))
    desk.run_sweeps(sh(11, 4, 12))  # resolution due Wed 11:00
    act(desk, ticket_id, "resolve", at=iso(sh(11, 4, 14)), resolution="Exchanged.")
    act(desk, ticket_id, "reopen", at=iso(sh(11, 5, 9)), reason="the exchange never came")
    desk.run_sweeps(sh(11, 6, 9))
    assert escalations(desk) == [("resolution", 1, 0, "supervisor")]
    # A fresh 16 h from Thu 09:00: Thu 7.5 h, Fri 7.5 h, Mon 09:00-10:00.
    desk.run_sweeps(sh(11, 9, 10, 1))
    assert escalations(desk) == [("resolution", 1, 0, "supervisor"), ("resolution", 1, 1, "supervisor")]
    assert data_of(desk, "service.ticket.sla_breached")[1]["reopen_count"] == 1


def test_an_urgent_ticket_runs_around_the_clock_and_climbs_to_the_director(desk):
    response = desk.post("/tickets", json={
        "type": "complaint", "priority": "urgent", "channel": "hotline", "customer_id": "C-1",
        "description": "Gas smell after installation", "received_at": iso(sh(11, 7, 22))}, **AGENT)  # Saturday night
    assert response.json["sla"]["first_response"]["due_at"] == "2026-11-07T14:15:00+00:00"  # 22:15, 24x7
    desk.run_sweeps(sh(11, 8, 3))
    # First response due 22:15 (level 2 at 23:15, level 3 at 02:15), resolution due 02:00: in time order.
    assert escalations(desk) == [("first_response", 1, 0, "supervisor"), ("first_response", 2, 0, "manager"),
                                 ("resolution", 1, 0, "supervisor"), ("first_response", 3, 0, "director")]
