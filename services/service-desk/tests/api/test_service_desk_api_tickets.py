"""Tickets through the HTTP API: SLA arithmetic on the business calendar, pauses,
resolution with compensation, the customer's verdict, visibility and masking.

Due times are hand-computed on the test calendar (see service_desk_client).
"""
from sqlalchemy import func, select, text

from service_desk.models import TicketRow
from service_desk_client import AGENT, MANAGER, OTHER_AGENT, SUPERVISOR, data_of, iso, sh


def complaint(**overrides):
    body = {
        "type": "complaint", "priority": "normal", "channel": "hotline", "customer_id": "C-1",
        "order_id": "O-7", "description": "The parcel arrived broken\nand nobody answers the phone.",
        "received_at": iso(sh(11, 2, 10)),
        "complainant": {"name": "王女士", "phone": "+8613812345678", "email": "wang@example.com"},
    }
    return {**body, **overrides}


def open_ticket(desk, caller=AGENT, **overrides):
    response = desk.post("/tickets", json=complaint(**overrides), **caller)
    assert response.status_code == 201, response.json
    return response.json


def act(desk, ticket_id, action, caller=AGENT, **body):
    return desk.post(f"/tickets/{ticket_id}/{action}", json=body, **caller)


def count(desk, table):
    with desk.runtime.database.session() as session:
        return session.execute(text(f"select count(*) from {table}")).scalar()


# -- opening -----------------------------------------------------------------------------------


def test_a_complaint_tells_the_customer_the_process_and_the_due_times(desk):
    ticket = open_ticket(desk)
    # Mon 10:00 + 2 h business = 12:00; + 16 h = Mon 6.5 h, Tue 7.5 h, Wed 09:00-11:00.
    assert ticket["sla"]["first_response"]["due_at"] == "2026-11-02T04:00:00+00:00"
    assert ticket["sla"]["resolution"]["due_at"] == "2026-11-04T03:00:00+00:00"
    steps = ticket["next_steps"]
    assert "最迟 2026-11-02 12:00" in steps["zh"] and "最迟 2026-11-04 11:00" in steps["zh"]
    assert "by 2026-11-04 11:00 Asia/Shanghai" in steps["en"]
    assert [s["due_at"] for s in steps["steps"] if s["due_at"]] == ["2026-11-02T04:00:00+00:00",
                                                                   "2026-11-04T03:00:00+00:00"]
    assert ticket["agent_id"] == "agent-1" and ticket["team"] == "care-1" and ticket["status"] == "open"
    assert ticket["subject"] == "The parcel arrived broken"
    [opened] = data_of(desk, "service.ticket.opened")
    assert opened == {
        "ticket_id": ticket["id"], "type": "complaint", "priority": "normal", "channel": "hotline", "status": "open",
        "customer_id": "C-1", "order_id": "O-7", "agent_id": "agent-1", "team": "care-1", "region": "east",
        "opened_at": "2026-11-02T02:00:00+00:00", "reopen_count": 0, "received_at": "2026-11-02T02:00:00+00:00",
        "first_response_due_at": "2026-11-02T04:00:00+00:00", "resolution_due_at": "2026-11-04T03:00:00+00:00",
        "subject": "The parcel arrived broken",
    }


def test_an_inquiry_has_no_complaint_steps(desk):
    ticket = open_ticket(desk, type="inquiry", priority="high", channel="web")
    assert ticket["next_steps"] is None
    # inquiry/high: 1 h first response from Mon 10:00.
    assert ticket["sla"]["first_response"]["due_at"] == "2026-11-02T03:00:00+00:00"


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(desk):
    response = desk.post("/tickets", json={
        "type": "praise", "channel": "fax", "customer_id": "", "description": "x", "mood": "angry",
        "complainant": {"email": "not-an-email"},
    }, **AGENT)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.json["errors"]
    assert set(errors) == {"type", "channel", "customer_id", "mood", "complainant"}
    assert errors["mood"] == ["Unknown field."]
    assert "email" in errors["complainant"]
    assert count(desk, "tickets") == 0 and count(desk, "outbox") == 0


def test_a_time_in_the_future_is_refused(desk):
    response = desk.post("/tickets", json=complaint(received_at="2999-01-01T00:00:00+00:00"), **AGENT)
    assert response.status_code == 422
    assert "future" in response.json["detail"]
    assert count(desk, "tickets") == 0


def test_a_rep_cannot_open_tickets(desk):
    assert desk.post("/tickets", json=complaint(), role="rep", user="rep-1").status_code == 403


def test_an_agent_opens_for_themselves_a_supervisor_for_anyone(desk):
    refused = desk.post("/tickets", json=complaint(agent_id="agent-9"), **AGENT)
    assert refused.status_code == 422
    ticket = open_ticket(desk, caller=SUPERVISOR, agent_id="agent-9")
    assert ticket["agent_id"] == "agent-9" and ticket["team"] == "care-1"


# -- the SLA clock through the lifecycle ------------------------------------------------------------


def test_a_pause_pushes_the_resolution_due_time_by_the_paused_business_time(desk):
    ticket_id = open_ticket(desk)["id"]
    assert act(desk, ticket_id, "start", at=iso(sh(11, 2, 10, 30))).status_code == 200
    responded = act(desk, ticket_id, "respond", at=iso(sh(11, 2, 11, 30)), message="很抱歉，我们正在核实。")
    assert responded.status_code == 200
    assert act(desk, ticket_id, "wait", at=iso(sh(11, 2, 15)), reason="photos of the parcel").status_code == 200
    assert act(desk, ticket_id, "resume", at=iso(sh(11, 4, 10))).status_code == 200
    # Ran Mon 10:00-15:00 (3.5 h business); from Wed 10:00 the other 12.5 h: Wed 6.5 h, Thu 09:00-12:00
    # and 13:30-16:30.
    resolved = act(desk, ticket_id, "resolve", at=iso(sh(11, 5, 16)), resolution="Replacement sent.")
    assert resolved.status_code == 200, resolved.json
    sla = resolved.json["sla"]["resolution"]
    assert sla["due_at"] == "2026-11-05T08:30:00+00:00"
    assert sla["elapsed_minutes"] == 930 and sla["breached"] is False
    assert sla["met_at"] == "2026-11-05T08:00:00+00:00"
    [response_event] = data_of(desk, "service.ticket.responded")
    assert response_event["responded_at"] == "2026-11-02T03:30:00+00:00"
    assert response_event["within_sla"] is True and response_event["due_at"] == "2026-11-02T04:00:00+00:00"
    [resolution_event] = data_of(desk, "service.ticket.resolved")
    assert resolution_event["within_sla"] is True
    assert resolution_event["due_at"] == "2026-11-05T08:30:00+00:00"
    assert resolution_event["compensation_amount"] is None
    assert resolution_event["currency"] == "CNY" and resolution_event["fx_rate"] == "1"
    history = desk.get(f"/tickets/{ticket_id}", **AGENT).json["history"]
    assert [h["status"] for h in history] == ["open", "in_progress", "waiting_on_customer", "in_progress", "resolved"]
    assert history[2]["reason"] == "photos of the parcel"
    [reply] = desk.get(f"/tickets/{ticket_id}", **AGENT).json["notes"]
    assert reply["kind"] == "reply" and reply["text"] == "很抱歉，我们正在核实。"


def test_holidays_stop_the_clock_and_a_make_up_sunday_runs_it(desk):
    # Wed 11 Nov 17:00: one hour that day, 12-14 Nov are holidays, Sunday 15 Nov is a workday.
    ticket_id = open_ticket(desk, received_at=iso(sh(11, 11, 17)))["id"]
    act(desk, ticket_id, "start", at=iso(sh(11, 11, 17, 10)))
    late = act(desk, ticket_id, "respond", at=iso(sh(11, 15, 10, 30)))
    assert late.json["sla"]["first_response"]["due_at"] == "2026-11-15T02:00:00+00:00"  # Sunday 10:00
    [event] = data_of(desk, "service.ticket.responded")
    assert event["within_sla"] is False and event["due_at"] == "2026-11-15T02:00:00+00:00"


def test_waiting_on_the_customer_is_a_first_response(desk):
    ticket_id = open_ticket(desk)["id"]
    act(desk, ticket_id, "start", at=iso(sh(11, 2, 13)))
    act(desk, ticket_id, "wait", at=iso(sh(11, 2, 14)))
    [event] = data_of(desk, "service.ticket.responded")
    # Mon 10:00-12:00 ran out at noon: 14:00 is late.
    assert event["responded_at"] == "2026-11-02T06:00:00+00:00" and event["within_sla"] is False


# -- resolution, compensation, verdict -----------------------------------------------------------------


def test_a_compensation_in_another_currency_carries_its_dated_rate(desk):
    rate = desk.post("/fx-rates", json={"currency": "USD", "rate": "7.1", "valid_from": "2026-01-01T00:00:00Z"},
                     role="admin", user="ops-1")
    assert rate.status_code == 201
    ticket_id = open_ticket(desk)["id"]
    act(desk, ticket_id, "start", at=iso(sh(11, 2, 10, 5)))
    resolved = act(desk, ticket_id, "resolve", at=iso(sh(11, 2, 11)), resolution="Refund of the shipping fee.",
                   compensation={"amount": "12.5", "currency": "USD", "reason": "late delivery"},
                   agent_at_fault="agent-3")
    assert resolved.status_code == 200, resolved.json
    [compensation] = [r["compensation"] for r in resolved.json["resolutions"]]
    assert compensation == {"amount": "12.50", "currency": "USD", "reason": "late delivery", "fx_rate": "7.1"}
    [event] = data_of(desk, "service.ticket.resolved")
    assert event["compensation_amount"] == "12.50" and event["currency"] == "USD" and event["fx_rate"] == "7.1"
    assert event["agent_at_fault"] == "agent-3" and event["compensation_reason"] == "late delivery"
    [survey] = data_of(desk, "service.survey.sent")  # a resolved complaint gets a survey
    assert survey["ticket_id"] == ticket_id and survey["order_id"] is None and survey["rep_id"] == "agent-1"


def test_a_compensation_without_a_known_rate_is_refused_and_nothing_changes(desk):
    ticket_id = open_ticket(desk)["id"]
    act(desk, ticket_id, "start", at=iso(sh(11, 2, 10, 5)))
    refused = act(desk, ticket_id, "resolve", resolution="Refund.",
                  compensation={"amount": "10", "currency": "EUR", "reason": "broken"})
    assert refused.status_code == 422 and "EUR" in refused.json["detail"]
    assert desk.get(f"/tickets/{ticket_id}", **AGENT).json["status"] == "in_progress"
    assert data_of(desk, "service.ticket.resolved") == []


def test_a_negative_compensation_is_a_field_error(desk):
    ticket_id = open_ticket(desk)["id"]
    act(desk, ticket_id, "start")
    refused = act(desk, ticket_id, "resolve", resolution="x",
                  compensation={"amount": "-5", "currency": "cny", "reason": "x"})
    assert refused.status_code == 422
    assert set(refused.json["errors"]["compensation"]) == {"amount", "currency"}


def test_resolving_an_untouched_ticket_is_an_illegal_move(desk):
    ticket_id = open_ticket(desk)["id"]
    refused = act(desk, ticket_id, "resolve", resolution="Done.")
    assert refused.status_code == 409
    assert "it is open" in refused.json["detail"]


def test_a_satisfied_customer_closes_the_ticket(desk):
    ticket_id = open_ticket(desk)["id"]
    act(desk, ticket_id, "start", at=iso(sh(11, 2, 10, 5)))
    act(desk, ticket_id, "resolve", at=iso(sh(11, 2, 11)), resolution="Replacement sent.")
    closed = act(desk, ticket_id, "close", at=iso(sh(11, 3, 9)), verdict="satisfied")
    assert closed.json["status"] == "closed" and closed.json["closed_at"] == "2026-11-03T01:00:00+00:00"
    [event] = data_of(desk, "service.ticket.closed")
    assert event["verdict"] == "satisfied" and event["closed_at"] == "2026-11-03T01:00:00+00:00"


def test_an_unsatisfied_customer_reopens_the_ticket_and_its_resolution_clock(desk):
    ticket_id = open_ticket(desk)["id"]
    act(desk, ticket_id, "start", at=iso(sh(11, 2, 10, 5)))
    act(desk, ticket_id, "resolve", at=iso(sh(11, 2, 11)), resolution="Replacement sent.")
    reopened = act(desk, ticket_id, "close", at=iso(sh(11, 3, 9)), verdict="unsatisfied")
    assert reopened.json["status"] == "in_progress" and reopened.json["reopen_count"] == 1
    # Restart: a fresh 16 h from Tue 09:00 — Tue 7.5 h, Wed 7.5 h, Thu 09:00-10:00.
    assert reopened.json["sla"]["resolution"]["due_at"] == "2026-11-05T02:00:00+00:00"
    assert reopened.json["sla"]["resolution"]["cycle"] == 1
    assert [e["verdict"] for e in data_of(desk, "service.ticket.closed")] == ["unsatisfied"]
    [event] = data_of(desk, "service.ticket.reopened")
    assert event["reason"] == "the customer is not satisfied with the resolution" and event["reopen_count"] == 1


def test_reopening_without_a_reason_is_refused(desk):
    ticket_id = open_ticket(desk)["id"]
    act(desk, ticket_id, "start")
    act(desk, ticket_id, "resolve", resolution="Done.")
    refused = act(desk, ticket_id, "reopen")
    assert refused.status_code == 422 and refused.json["errors"] == {"reason": ["Missing data for required field."]}


def test_notes_keep_their_evidence(desk):
    ticket_id = open_ticket(desk)["id"]
    note = desk.post(f"/tickets/{ticket_id}/notes", json={
        "text": "仓库监控显示包装完好。", "attachments": [{"ref": "s3://evidence/cctv-1102.mp4", "name": "cctv"}],
    }, **AGENT)
    assert note.status_code == 201
    assert note.json["kind"] == "investigation" and note.json["attachments"][0]["ref"] == "s3://evidence/cctv-1102.mp4"
    assert desk.get(f"/tickets/{ticket_id}", **AGENT).json["notes"][0]["text"] == "仓库监控显示包装完好。"


# -- who sees what --------------------------------------------------------------------------------------


def test_agents_see_their_tickets_supervisors_their_team(desk):
    mine = open_ticket(desk)["id"]
    theirs = open_ticket(desk, caller=OTHER_AGENT)["id"]
    assert desk.get(f"/tickets/{theirs}", **AGENT).status_code == 404
    assert [t["id"] for t in desk.get("/tickets", **AGENT).json["items"]] == [mine]
    assert [t["id"] for t in desk.get("/tickets", **SUPERVISOR).json["items"]] == [mine]
    assert {t["id"] for t in desk.get("/tickets", role="director", user="d-1").json["items"]} == {mine, theirs}
    assert act(desk, theirs, "start", **{}).status_code == 404


def test_personal_data_is_masked_for_roles_without_the_right(desk):
    ticket_id = open_ticket(desk)["id"]
    shown = desk.get(f"/tickets/{ticket_id}", **SUPERVISOR).json["complainant"]
    assert shown == {"name": "王女士", "phone": "+8613812345678", "email": "wang@example.com"}
    masked = desk.get(f"/tickets/{ticket_id}", role="ops", user="ops-1").json["complainant"]
    assert masked == {"name": "王女士", "phone": "138****5678", "email": "w***@example.com"}
    with desk.runtime.database.session() as session:
        reads = session.execute(text("select actor, resource from audit_log where action = 'READ_PII'")).all()
    assert ("sup-1", f"/tickets/{ticket_id}") in [tuple(r) for r in reads]
    assert all(actor != "ops-1" for actor, _ in reads)


def test_a_supervisor_assigns_and_the_new_agent_takes_over(desk):
    ticket_id = open_ticket(desk)["id"]
    assert act(desk, ticket_id, "assign", agent_id="agent-5").status_code == 403  # an agent cannot
    assigned = act(desk, ticket_id, "assign", SUPERVISOR, agent_id="agent-5")
    assert assigned.json["agent_id"] == "agent-5"
    assert desk.get(f"/tickets/{ticket_id}", **AGENT).status_code == 404
    assert desk.get(f"/tickets/{ticket_id}", role="cs_agent", user="agent-5", team="care-1").status_code == 200


# -- lists ----------------------------------------------------------------------------------------------


def test_lists_filter_sort_and_paginate(desk):
    low = open_ticket(desk, priority="low", received_at=iso(sh(11, 2, 9)))["id"]
    urgent = open_ticket(desk, priority="urgent", received_at=iso(sh(11, 2, 11)))["id"]
    high = open_ticket(desk, priority="high", received_at=iso(sh(11, 2, 10)))["id"]
    by_priority = desk.get("/tickets?sort=priority", **AGENT).json["items"]
    assert [t["id"] for t in by_priority] == [urgent, high, low]
    newest_first = desk.get("/tickets", **AGENT).json["items"]
    assert [t["id"] for t in newest_first] == [urgent, high, low]
    page = desk.get("/tickets?sort=received_at&page=2&page_size=2", **AGENT)
    assert [t["id"] for t in page.json["items"]] == [urgent]
    assert (page.json["page"], page.json["page_size"], page.json["total"]) == (2, 2, 3)
    assert [t["id"] for t in desk.get("/tickets?priority=high", **AGENT).json["items"]] == [high]
    assert len(desk.get("/tickets?overdue=true", **AGENT).json["items"]) == 3  # all long past due, never answered
    assert desk.get("/tickets?sort=colour", **AGENT).status_code == 422


def test_a_ticket_row_keeps_the_policy_version_it_was_opened_under(desk):
    ticket_id = open_ticket(desk)["id"]
    with desk.runtime.database.session() as session:
        version = session.execute(select(TicketRow.sla_policy_version).where(TicketRow.id == ticket_id)).scalar()
        assert version == 1
        assert session.execute(select(func.count()).select_from(TicketRow)).scalar() == 1


def test_a_manager_in_another_region_does_not_see_the_ticket(desk):
    ticket_id = open_ticket(desk)["id"]
    assert desk.get(f"/tickets/{ticket_id}", **MANAGER).status_code == 200
    assert desk.get(f"/tickets/{ticket_id}", role="manager", user="m-2", region="west").status_code == 404


def test_customer_care_cannot_name_another_regions_customer_or_ticket(desk):
    """Ids in bodies are checked like ids in URLs (OWASP API1): care serves its own region."""
    desk.deliver("leads.customer.upserted", {"customer_id": "C-west", "name": "西部客户", "region": "west",
                                             "team": "sales-9", "owner_rep_id": "rep-9",
                                             "updated_at": "2025-01-10T02:00:00+00:00"})
    refused = desk.post("/tickets", json=complaint(customer_id="C-west"), **AGENT)
    assert refused.status_code == 422 and refused.json["errors"] == {"customer_id": ["No such customer."]}
    theirs = open_ticket(desk, OTHER_AGENT, customer_id="C-9")
    logged = desk.post("/interactions", json={"channel": "phone", "content": "call back", "ticket_id": theirs["id"],
                                               "started_at": iso(sh(11, 2, 11))},
                       **AGENT)
    assert logged.status_code == 422 and logged.json["errors"] == {"ticket_id": ["No such ticket."]}
    elsewhere = desk.post("/tickets", json=complaint(region="west"), **AGENT)
    assert elsewhere.status_code == 422 and "region" in elsewhere.json["errors"]
    assert desk.get("/tickets", role="director", user="dir-1").json["total"] == 1


def test_customer_care_serves_every_customer_of_its_region(desk):
    desk.deliver("leads.customer.upserted", {"customer_id": "C-east", "name": "华东客户", "region": "east",
                                             "team": "sales-1", "owner_rep_id": "rep-3",
                                             "updated_at": "2025-01-10T02:00:00+00:00"})
    assert open_ticket(desk, customer_id="C-east")["customer_id"] == "C-east"
