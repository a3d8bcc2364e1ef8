"""Who sees which leads, masking of personal data in lists, details and exports, and lists."""
import csv
import io

import pytest
from sqlalchemy import select


@pytest.fixture
def two_teams(leads):
    leads.rep("rep-1", team="team-1", region="east", product_lines=["crm"])
    leads.rep("rep-9", team="team-9", region="west", regions=["west"])
    mine = leads.capture()
    theirs = leads.capture(company="西部贸易", region="west", contact={"phone": "13912345678"}, product_lines=[])
    assert (mine["owner_rep_id"], theirs["owner_rep_id"]) == ("rep-1", "rep-9")
    return leads, mine, theirs


def _ids(response):
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


def test_a_rep_cannot_read_another_teams_lead(two_teams):
    leads, mine, theirs = two_teams
    as_rep = {"role": "rep", "user": "rep-1", "team": "team-1", "region": "east"}
    assert leads.get(f"/leads/{theirs['id']}", **as_rep).status_code == 404
    assert "西部" not in leads.get(f"/leads/{theirs['id']}", **as_rep).get_data(as_text=True)
    assert leads.patch(f"/leads/{theirs['id']}", json={"needs": "x"}, **as_rep).status_code == 404
    assert leads.post(f"/leads/{theirs['id']}/activities", **as_rep, json={
        "kind": "call", "outcome": "connected", "next_step": "x"}).status_code == 404
    assert _ids(leads.get("/leads", **as_rep)) == {mine["id"]}
    assert leads.get(f"/leads/{mine['id']}", **as_rep).status_code == 200


def test_a_supervisor_sees_the_team_a_manager_the_region_a_director_everything(two_teams):
    leads, mine, theirs = two_teams
    assert _ids(leads.get("/leads", role="supervisor", team="team-1", region="east")) == {mine["id"]}
    assert _ids(leads.get("/leads", role="supervisor", team="team-9", region="west")) == {theirs["id"]}
    assert _ids(leads.get("/leads", role="manager", team=None, region="west")) == {theirs["id"]}
    assert leads.get(f"/leads/{mine['id']}", role="manager", region="west").status_code == 404
    assert _ids(leads.get("/leads", role="director", team=None, region=None)) == {mine["id"], theirs["id"]}


def test_personal_data_is_masked_alike_in_lists_details_and_exports(two_teams):
    leads, mine, _ = two_teams
    as_ops = {"role": "ops", "user": "ops-1"}
    [listed] = [item for item in leads.get("/leads", **as_ops).json["items"] if item["id"] == mine["id"]]
    detail = leads.get(f"/leads/{mine['id']}", **as_ops).json
    export = leads.get("/leads/export", **as_ops)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    [exported] = [row for row in rows if row["id"] == mine["id"]]
    for shown in (listed["contact"], detail["contact"], exported):
        assert shown["phone"] == "138****8000"
        assert shown["email"] == "w***@tengfei.cn"
    assert listed["contact"]["masked"] is True and detail["contact"]["masked"] is True
    assert exported["company"] == "深圳市腾飞科技有限公司"


def test_the_owner_and_supervisors_see_personal_data_and_the_read_is_audited(two_teams):
    leads, mine, _ = two_teams
    owner = leads.get(f"/leads/{mine['id']}", role="rep", user="rep-1").json["contact"]
    supervisor = leads.get(f"/leads/{mine['id']}", role="supervisor", user="sup-1").json["contact"]
    assert owner["phone"] == supervisor["phone"] == "+8613800138000" and owner["masked"] is False
    export = leads.get("/leads/export", role="supervisor", user="sup-1").get_data(as_text=True)
    assert "+8613800138000" in export
    audit = leads.spec.metadata.tables["audit_log"]
    with leads.runtime.database.session() as session:
        reads = session.execute(select(audit.c.actor, audit.c.resource).where(audit.c.action == "READ_PII")).all()
    assert ("rep-1", f"/leads/{mine['id']}") in reads and ("sup-1", f"/leads/{mine['id']}") in reads
    assert ("sup-1", "/leads/export") in reads


def test_a_rep_capturing_a_lead_for_someone_else_sees_it_masked(leads):
    leads.rep("rep-1")
    lead = leads.capture(as_role="rep", as_user="rep-7")
    assert lead["owner_rep_id"] == "rep-1" and lead["contact"]["phone"] == "138****8000"


def test_lists_filter_sort_and_paginate(leads):
    leads.rep("rep-1", capacity=100)
    made = [leads.capture(company=f"公司{n}", contact={"phone": f"1370000{n:04d}"}, source=source,
                          needs=needs, product_lines=[])
            for n, (source, needs) in enumerate([("referral", "报价 采购 招标"), ("import", ""), ("referral", ""),
                                                  ("trade_show", "预算"), ("import", "")])]
    # scores: 15+15=30 medium, 0 low, 15 low, 10+5=15 low, 0 low
    page = leads.get("/leads?source=referral,trade_show&sort=-score&page_size=2", role="admin").json
    assert page["total"] == 3 and page["page_size"] == 2
    assert page["items"][0]["company"] == "公司0"  # then 公司2 or 公司3, both 15
    assert [item["grading"]["score"] for item in page["items"]] == [30, 15]
    second = leads.get("/leads?source=referral,trade_show&sort=-score&page_size=2&page=2", role="admin").json
    assert len(second["items"]) == 1 and second["items"][0]["grading"]["score"] == 15
    assert _ids(leads.get("/leads?grade=medium", role="admin")) == {made[0]["id"]}
    assert leads.get("/leads?owner=rep-1&status=assigned", role="admin").json["total"] == 5
    assert leads.get("/leads?q=公司4", role="admin").json["total"] == 1
    assert leads.get("/leads?captured_from=2000-01-01&captured_to=2000-12-31", role="admin").json["total"] == 0
    assert leads.get("/leads?captured_from=2000-01-01", role="admin").json["total"] == 5
    bad = leads.get("/leads?sort=colour&page_size=500&status=lost", role="admin")
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"page_size", "status"}
    assert leads.get("/leads?sort=colour", role="admin").json["errors"] == {
        "sort": ["Sort by one of: captured_at, company, followup_due_at, grade, received_at, score, status, "
                 "updated_at."]}


def test_an_assignment_explanation_names_only_the_reps_the_caller_may_know_of(two_teams):
    leads, _, theirs = two_teams
    everyone = {c["rep_id"] for c in leads.get(f"/leads/{theirs['id']}", role="admin").json["assignment"]["candidates"]}
    assert everyone == {"rep-1", "rep-9"}
    for caller in ({"role": "rep", "user": "rep-9", "team": "team-9", "region": "west"},
                   {"role": "supervisor", "user": "sup-9", "team": "team-9", "region": "west"},
                   {"role": "manager", "user": "mgr-west", "team": None, "region": "west"}):
        [listed] = leads.get("/leads", **caller).json["items"]
        for shown in (listed["assignment"], leads.get(f"/leads/{theirs['id']}", **caller).json["assignment"]):
            assert [c["rep_id"] for c in shown["candidates"]] == ["rep-9"], caller
            assert shown["hidden_candidates"] == 1 and "rep-1" not in str(shown)


def test_a_manager_lists_the_reps_of_their_own_region_only(two_teams):
    leads = two_teams[0]
    west = leads.get("/reps", role="manager", user="mgr-west", team=None, region="west")
    assert west.status_code == 200 and [rep["id"] for rep in west.json["items"]] == ["rep-9"]
    assert leads.get("/reps/rep-1", role="manager", user="mgr-west", team=None, region="west").status_code == 404
    assert leads.get("/reps", role="manager", user="mgr-x", team=None, region=None).json["items"] == []
    assert {rep["id"] for rep in leads.get("/reps", role="director", team=None, region=None).json["items"]} == {
        "rep-1", "rep-9"}
