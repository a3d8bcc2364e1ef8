"""POST /leads/{id}/merge and /unmerge: duplicates merged keeping history, and undone exactly."""
import pytest

SUP = {"role": "supervisor", "user": "sup-1", "team": "team-1", "region": "east"}


@pytest.fixture
def pair(leads):
    leads.rep("rep-1", capacity=5)
    primary = leads.capture(contact={"name": "王伟", "phone": "13800138000"}, product_lines=["crm"],
                            needs="50 seats", industry=None)
    duplicate = leads.capture(company="腾飞科技", contact={"name": "Wang", "phone": "13800138000",
                                                        "email": "wang@tengfei.cn"},
                              product_lines=["erp", "crm"], industry="manufacturing", record_duplicate=True,
                              needs="")
    leads.post(f"/leads/{duplicate['id']}/activities", **SUP,
               json={"kind": "chat", "outcome": "interested", "next_step": "call back"})
    return leads, primary, duplicate


def test_a_merge_fills_gaps_unites_product_lines_and_keeps_the_duplicates_history(pair):
    leads, primary, duplicate = pair
    response = leads.post(f"/leads/{primary['id']}/merge", **SUP, json={"duplicate_id": duplicate["id"]})
    assert response.status_code == 201, response.json
    changes = {c["field"]: (c["before"], c["after"]) for c in response.json["changes"]}
    assert changes == {"industry": (None, "manufacturing"), "email": (None, "wang@tengfei.cn"),
                       "product_lines": (["crm"], ["crm", "erp"])}
    merged = leads.get(f"/leads/{primary['id']}", **SUP).json
    assert merged["company"] == "深圳市腾飞科技有限公司"            # the primary's own value stays
    assert merged["contact"]["name"] == "王伟" and merged["contact"]["email"] == "wang@tengfei.cn"
    assert merged["product_lines"] == ["crm", "erp"]
    listed = {item["id"] for item in leads.get("/leads", **SUP).json["items"]}
    assert listed == {primary["id"]}
    assert leads.get(f"/leads/{duplicate['id']}", **SUP).json["merged_into"] == primary["id"]
    assert [a["kind"] for a in leads.get(f"/leads/{primary['id']}/activities", **SUP).json] == ["chat"]
    history = [h["action"] for h in leads.get(f"/leads/{primary['id']}/history", **SUP).json]
    assert history.count("captured") == 2 and "merged" in history and "activity" in history
    event = leads.last_event("leads.lead.merged")
    assert (event["primary_id"], event["duplicate_id"], event["by"]) == (primary["id"], duplicate["id"], "sup-1")
    assert sorted(event["changed_fields"]) == ["email", "industry", "product_lines"]
    again = leads.post(f"/leads/{primary['id']}/merge", **SUP, json={"duplicate_id": duplicate["id"]})
    assert again.status_code == 409


def test_an_unmerge_restores_both_leads_exactly(pair):
    leads, primary, duplicate = pair
    before = {lead_id: leads.get(f"/leads/{lead_id}", **SUP).json for lead_id in (primary["id"], duplicate["id"])}
    merge = leads.post(f"/leads/{primary['id']}/merge", **SUP, json={"duplicate_id": duplicate["id"]}).json
    response = leads.post(f"/leads/{primary['id']}/unmerge", **SUP, json={"merge_id": merge["id"]})
    assert response.status_code == 200 and response.json["undone_by"] == "sup-1"
    compared = ("company", "contact", "industry", "product_lines", "needs", "merged_into", "grading")
    for lead_id, was in before.items():
        now = leads.get(f"/leads/{lead_id}", **SUP).json
        assert {key: now[key] for key in compared} == {key: was[key] for key in compared}
    assert leads.last_event("leads.lead.unmerged")["merge_id"] == merge["id"]
    assert leads.post(f"/leads/{primary['id']}/unmerge", **SUP, json={"merge_id": merge["id"]}).status_code == 409


def test_an_unmerge_is_refused_once_the_merged_lead_was_edited(pair):
    leads, primary, duplicate = pair
    merge = leads.post(f"/leads/{primary['id']}/merge", **SUP, json={"duplicate_id": duplicate["id"]}).json
    leads.patch(f"/leads/{primary['id']}", **SUP, json={"needs": "80 seats now"})
    response = leads.post(f"/leads/{primary['id']}/unmerge", **SUP, json={"merge_id": merge["id"]})
    assert response.status_code == 409
    assert response.json["detail"] == ("the merged record has changed since the merge; "
                                       "undoing it would lose those edits")
    assert leads.get(f"/leads/{primary['id']}/merges", **SUP).json[0]["undone_at"] is None


def test_a_lead_cannot_be_merged_into_itself_or_across_visibility(pair):
    leads, primary, duplicate = pair
    itself = leads.post(f"/leads/{primary['id']}/merge", **SUP, json={"duplicate_id": primary["id"]})
    assert itself.status_code == 422
    other_team = leads.post(f"/leads/{primary['id']}/merge", role="supervisor", team="team-2",
                            json={"duplicate_id": duplicate["id"]})
    assert other_team.status_code == 404
