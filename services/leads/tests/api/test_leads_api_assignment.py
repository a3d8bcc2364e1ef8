"""Automatic and manual assignment, the unassigned pool, and follow-up deadlines by grade."""
from datetime import datetime, timedelta


def _phone(n: int) -> str:
    return f"1390000{n:04d}"


def capture_many(leads, count: int, start: int = 0, **fields):
    return [leads.capture(company=f"Company {n}", contact={"phone": _phone(n)}, **fields)
            for n in range(start, start + count)]


def test_assignment_respects_skills(leads):
    leads.rep("rep-erp", product_lines=["erp"])
    leads.rep("rep-west", regions=["west"])
    leads.rep("rep-retail", industries=["retail"])
    leads.rep("rep-crm-east", product_lines=["crm"], regions=["east"], industries=["manufacturing"])
    lead = leads.capture()
    assert lead["owner_rep_id"] == "rep-crm-east"
    candidates = {c["rep_id"]: c for c in lead["assignment"]["candidates"]}
    assert candidates["rep-erp"]["reason"] == "missing skill product_line:crm"
    assert candidates["rep-west"]["reason"] == "missing skill region:east"
    assert candidates["rep-retail"]["reason"] == "missing skill industry:manufacturing"
    assert candidates["rep-crm-east"]["eligible"] is True and candidates["rep-crm-east"]["reason"] is None


def test_the_rep_with_the_lowest_load_relative_to_capacity_gets_the_lead(leads):
    leads.rep("rep-a", capacity=2)
    capture_many(leads, 1)                       # rep-a: 1/2
    leads.rep("rep-b", capacity=4)
    capture_many(leads, 1, start=10)             # rep-b: 0/4 wins → 1/4
    lead = capture_many(leads, 1, start=20)[0]   # rep-a 0.5 against rep-b 0.25
    assert lead["owner_rep_id"] == "rep-b"
    event = leads.last_event("leads.lead.assigned")
    ratios = {c["rep_id"]: (c["load"], c["capacity"], c["ratio"]) for c in event["explanation"]["candidates"]}
    assert ratios == {"rep-a": (1, 2, "0.5000"), "rep-b": (1, 4, "0.2500")}
    assert event["explanation"]["tie_break"] == "lowest_ratio" and event["manual"] is False
    assert (event["rep_id"], event["team"], event["region"]) == ("rep-b", "team-1", "east")


def test_a_rep_at_capacity_or_inactive_never_gets_a_lead_and_it_waits_in_the_pool(leads):
    leads.rep("rep-full", capacity=1)
    capture_many(leads, 1)
    leads.rep("rep-away", active=False)
    lead = capture_many(leads, 1, start=5)[0]
    assert lead["status"] == "new" and lead["owner_rep_id"] is None
    reasons = {c["rep_id"]: c["reason"] for c in lead["assignment"]["candidates"]}
    assert reasons == {"rep-full": "at capacity (1/1)", "rep-away": "inactive"}
    assert len(leads.events("leads.lead.assigned")) == 1  # only the first lead
    pool = leads.get("/leads/pool", role="supervisor", region="east").json
    assert [item["id"] for item in pool["items"]] == [lead["id"]]
    assert leads.get("/leads/pool", role="rep", user="rep-full").status_code == 403
    assert leads.get(f"/leads/{lead['id']}", role="rep", user="rep-full").status_code == 404
    # Room is made: the pool is offered again (the worker's sweep, or a supervisor asking now).
    assert leads.patch("/reps/rep-away", role="supervisor", json={"active": True}).status_code == 200
    assert leads.post("/leads/pool/assign", role="supervisor").json == {"assigned": 1}
    assert leads.get(f"/leads/{lead['id']}", role="admin").json["owner_rep_id"] == "rep-away"


def test_ties_go_to_the_rep_assigned_least_recently(leads):
    leads.rep("rep-a")
    leads.rep("rep-b")
    first, second, third = capture_many(leads, 3)
    assert {first["owner_rep_id"], second["owner_rep_id"]} == {"rep-a", "rep-b"}
    assert first["assignment"]["tie_break"] == "rotation"       # two never-assigned reps
    assert second["assignment"]["tie_break"] == "lowest_ratio"  # 0/10 against 1/10
    assert third["owner_rep_id"] == first["owner_rep_id"]       # 1/10 each: the one who waited longer
    assert third["assignment"]["tie_break"] == "least_recently_assigned"


def test_ties_between_new_reps_do_not_all_go_to_the_oldest(leads):
    for name in ("rep-old", "rep-mid", "rep-new"):
        leads.rep(name, capacity=100)
    owners = [lead["owner_rep_id"] for lead in capture_many(leads, 9)]
    assert sorted(owners.count(name) for name in ("rep-old", "rep-mid", "rep-new")) == [3, 3, 3]


def test_the_followup_deadline_depends_on_the_grade(leads):
    leads.rep("rep-1", capacity=5)
    high = leads.capture(needs="急需报价 quote", budget={"amount": "200000", "currency": "CNY"},
                         source="referral")
    low = leads.capture(company="Nobody", contact={"phone": _phone(1)}, source="import", product_lines=[],
                        needs="")
    medium = leads.capture(company="Middle", contact={"phone": _phone(2)}, source="referral", needs="")
    for lead, period in ((high, timedelta(hours=24)), (medium, timedelta(days=3)), (low, timedelta(days=14))):
        due = datetime.fromisoformat(lead["followup_due_at"]) - datetime.fromisoformat(lead["assigned_at"])
        assert due == period, lead["grading"]
    assert (high["grading"]["grade"], medium["grading"]["grade"], low["grading"]["grade"]) == ("high", "medium",
                                                                                                "low")


def test_followup_periods_and_a_business_calendar_are_configurable(leads):
    leads.put("/rules/followup", role="admin", json={"version": "f2", "config": {"low_hours": 8}})
    leads.put("/rules/calendar", role="admin", json={"version": "office", "config": {
        "timezone": "Asia/Shanghai", "hours": ["09:00", "18:00"], "workdays": ["mon", "tue", "wed", "thu", "fri"]}})
    leads.rep("rep-1")
    lead = leads.capture(source="import", product_lines=[], needs="")
    due = datetime.fromisoformat(lead["followup_due_at"])
    assigned = datetime.fromisoformat(lead["assigned_at"])
    assert due > assigned
    local = due.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.weekday() < 5 and (9, 0) <= (local.hour, local.minute) <= (18, 0)
    bad = leads.put("/rules/calendar", role="admin", json={"version": "bad", "config": {"hours": ["25:00"]}})
    assert bad.status_code == 422 and "config" in bad.json["errors"]


def test_a_supervisor_assigns_by_hand_within_the_team(leads):
    leads.rep("rep-1", capacity=1)
    leads.rep("rep-2", capacity=1)
    leads.rep("rep-other-team", team="team-9", regions=["west"])
    lead = capture_many(leads, 1)[0]
    target = "rep-2" if lead["owner_rep_id"] == "rep-1" else "rep-1"
    path = f"/leads/{lead['id']}/assign"
    assert leads.post(path, role="rep", user=lead["owner_rep_id"], json={"rep_id": target}).status_code == 403
    other = leads.post(path, role="supervisor", json={"rep_id": "rep-other-team"})
    assert other.status_code == 422 and other.json["detail"] == "rep rep-other-team is not in your team"
    response = leads.post(path, role="supervisor", user="sup-1", json={"rep_id": target, "note": "speaks Cantonese"})
    assert response.status_code == 200 and response.json["owner_rep_id"] == target
    event = leads.last_event("leads.lead.assigned")
    assert event["manual"] is True and event["assigned_by"] == "sup-1" and event["note"] == "speaks Cantonese"
    assert event["previous_rep_id"] == lead["owner_rep_id"]
    assert event["explanation"]["rule_version"] == "manual"
    assert [c["rep_id"] for c in event["explanation"]["candidates"]] == [target]


def test_a_manual_assignment_refuses_an_inactive_rep_and_a_full_one_unless_told(leads):
    leads.rep("rep-full", capacity=1)
    capture_many(leads, 1)
    leads.rep("rep-away", active=False)
    lead = capture_many(leads, 1, start=3)[0]
    path = f"/leads/{lead['id']}/assign"
    inactive = leads.post(path, role="manager", json={"rep_id": "rep-away"})
    assert inactive.status_code == 422 and inactive.json["detail"] == "rep rep-away is inactive"
    full = leads.post(path, role="manager", json={"rep_id": "rep-full"})
    assert full.status_code == 422 and "at capacity (1/1)" in full.json["detail"]
    forced = leads.post(path, role="manager", json={"rep_id": "rep-full", "over_capacity": True})
    assert forced.status_code == 200 and forced.json["status"] == "assigned"
    assert leads.post(path, role="manager", json={"rep_id": "nobody"}).json["errors"] == {"rep_id": ["no rep nobody"]}


def test_reps_show_their_load_and_a_supervisor_manages_only_their_team(leads):
    leads.rep("rep-1", capacity=3)
    capture_many(leads, 2)
    listing = leads.get("/reps", role="supervisor", team="team-1").json
    assert [(r["id"], r["load"], r["capacity"]) for r in listing["items"]] == [("rep-1", 2, 3)]
    assert leads.get("/reps/rep-1", role="rep", user="rep-1").json["load"] == 2
    assert leads.get("/reps/rep-1", role="rep", user="rep-2").status_code == 404
    foreign = leads.post("/reps", role="supervisor", team="team-1",
                         json={"id": "rep-x", "name": "X", "team": "team-2", "capacity": 3})
    assert foreign.status_code == 403
    duplicate = leads.post("/reps", role="admin", json={"id": "rep-1", "name": "Again", "capacity": 3})
    assert duplicate.status_code == 409
    skills = leads.patch("/reps/rep-1", role="supervisor", json={"skills": {"regions": [" East "]}})
    assert skills.json["skills"]["regions"] == ["east"]


def test_a_bad_rep_is_a_422_naming_each_field_and_nothing_is_written(leads):
    response = leads.post("/reps", role="admin", json={"id": "", "capacity": -1, "skills": {"regions": "east"},
                                                       "level": 3})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"id", "name", "capacity", "skills", "level"}
    assert response.json["errors"]["skills"] == {"regions": ["Not a valid list."]}
    assert leads.count("reps") == 0


def test_a_blank_code_in_a_rep_s_skills_is_a_422_not_a_null_in_the_list(leads):
    response = leads.post("/reps", role="admin", json={"id": "rep-9", "name": "Blank", "capacity": 3,
                                                       "skills": {"product_lines": [""], "regions": ["  "]}})
    assert response.status_code == 422
    assert response.json["errors"]["skills"] == {"product_lines": {"0": ["A code cannot be blank."]},
                                                 "regions": {"0": ["A code cannot be blank."]}}
    assert leads.count("reps") == 0
