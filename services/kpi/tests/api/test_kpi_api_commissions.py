"""/commission-plans and /commissions: marginal tiers, bonuses, statements line by line.

r1 in November: revenue 14 123.40, gross profit 5 561.70 (every cost known).
"""
import pytest

from salesloop.testing.identities import DIRECTOR

SUP_T1 = {"role": "supervisor", "user": "sup-1", "team": "t1", "region": "east"}
R1 = {"role": "rep", "user": "r1", "team": "t1", "region": "east"}
R3 = {"role": "rep", "user": "r3", "team": "t2", "region": "east"}
PLAN = {
    "name": "Standard 2026",
    "components": [
        {"basis": "revenue", "tiers": [{"from_attainment_percent": "0", "rate_percent": "3"},
                                       {"from_attainment_percent": "100", "rate_percent": "5"},
                                       {"from_attainment_percent": "150", "rate_percent": "8"}]},
        {"basis": "gross_profit", "tiers": [{"from_attainment_percent": "0", "rate_percent": "2"}]},
    ],
    "bonuses": [{"period_kind": "month", "basis": "revenue", "threshold_attainment_percent": "100",
                 "amount": "1000"},
                {"period_kind": "month", "basis": "revenue", "threshold_attainment_percent": "140",
                 "amount": "2500"},
                {"period_kind": "quarter", "basis": "revenue", "threshold_attainment_percent": "100",
                 "amount": "9000"}],
}


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def plan_with_r1(harness, target="10000.00"):
    plan = ok(harness.post("/commission-plans", json=PLAN, who=DIRECTOR), 201)
    ok(harness.post(f"/commission-plans/{plan['id']}/assignments",
                    json={"rep_id": "r1", "valid_from": "2026-01-01"}, who=DIRECTOR), 201)
    ok(harness.put("/scorecards/rep/r1/2026-11", json={"targets": [
        {"metric": "revenue", "target": target, "weight_percent": "100"}]}, who=SUP_T1))
    return plan


def test_a_statement_shows_how_each_figure_was_reached(loaded):
    plan_with_r1(loaded)
    statement = ok(loaded.get("/commissions/r1/2026-11", who=R1))
    # Target 10 000: attainment 141.234 %. 10 000 × 3 % = 300.00; 4 123.40 × 5 % = 206.17;
    # gross profit 5 561.70 × 2 % = 111.23; the month's best bonus reached: 140 % → 2 500.
    assert [(l["kind"], l["basis"], l["slice_amount"], l["rate_percent"], l["amount"]) for l in statement["lines"]] == [
        ("base", "revenue", "10000.0000", "3", "300.00"),
        ("tier", "revenue", "4123.4000", "5", "206.17"),
        ("base", "gross_profit", "5561.70", "2", "111.23"),
        ("bonus", "revenue", None, None, "2500.00"),
    ]
    assert statement["total"] == "3117.40"
    assert statement["attainment_percent"] == {"gross_profit": None, "revenue": "141.23"}
    assert statement["lines"][1]["description"] == (
        "revenue 10,000.00–14,123.40 (100–150 % of target 10,000.00) at 5 %")
    assert (statement["plan"], statement["currency"], statement["period"]) == ("Standard 2026", "CNY", "2026-11")


def test_below_target_only_the_first_tier_pays_and_no_bonus(loaded):
    plan_with_r1(loaded, target="20000.00")
    statement = ok(loaded.get("/commissions/r1/2026-11", who=DIRECTOR))
    # 14 123.40 × 3 % = 423.702 → 423.70; + 111.23
    assert [l["amount"] for l in statement["lines"]] == ["423.70", "111.23"]
    assert statement["total"] == "534.93"


def test_a_tiered_plan_without_a_target_cannot_be_computed(loaded):
    plan = plan_with_r1(loaded)
    ok(loaded.post(f"/commission-plans/{plan['id']}/assignments", json={"rep_id": "r2", "valid_from": "2026-11-01"},
                   who=DIRECTOR), 201)
    response = loaded.get("/commissions/r2/2026-11", who=DIRECTOR)
    assert response.status_code == 409
    assert response.get_json()["detail"] == "tiered revenue commission needs a positive revenue target"
    listed = ok(loaded.get("/commissions?period=2026-11", who=DIRECTOR))["items"]
    assert [(i["rep_id"], i["statement"] and i["statement"]["total"], i["problem"]) for i in listed] == [
        ("r1", "3117.40", None), ("r2", None, "tiered revenue commission needs a positive revenue target")]


def test_assignments_never_overlap_and_a_rep_without_plan_has_no_statement(loaded):
    plan = plan_with_r1(loaded)
    response = loaded.post(f"/commission-plans/{plan['id']}/assignments",
                           json={"rep_id": "r1", "valid_from": "2026-06-01", "valid_to": "2026-06-30"}, who=DIRECTOR)
    assert response.status_code == 409
    assert loaded.get("/commissions/r2/2026-11", who=DIRECTOR).status_code == 404
    assert loaded.get("/commissions/r1/2026-11", who=R3).status_code == 404  # not r3's to see
    assert ok(loaded.get(f"/commission-plans/{plan['id']}", who=SUP_T1))["assignments"][0]["rep_id"] == "r1"


@pytest.mark.parametrize("body, status, where", [
    ({**PLAN, "components": [{"basis": "revenue", "tiers": [{"from_attainment_percent": "10",
                                                             "rate_percent": "3"}]}]}, 422, "detail"),
    ({**PLAN, "components": [{"basis": "margin", "tiers": []}]}, 422, "errors"),
    ({**PLAN, "bonuses": [{"period_kind": "week", "basis": "revenue", "threshold_attainment_percent": "1",
                           "amount": "1"}]}, 422, "errors"),
    ({**PLAN, "currency": "USD"}, 422, "detail"),
    ({**PLAN, "paid_by": "finance"}, 422, "errors"),
    ({"name": "", "components": []}, 422, "errors"),
])
def test_bad_plans_are_refused_and_nothing_is_written(loaded, body, status, where):
    response = loaded.post("/commission-plans", json=body, who=DIRECTOR)
    assert response.status_code == status and where in response.get_json()
    assert ok(loaded.get("/commission-plans", who=DIRECTOR)) == {"items": [], "page": 1, "page_size": 10, "total": 0}


def test_plans_have_unique_names_and_only_directors_write_them(loaded):
    ok(loaded.post("/commission-plans", json=PLAN, who=DIRECTOR), 201)
    assert loaded.post("/commission-plans", json=PLAN, who=DIRECTOR).status_code == 409
    assert loaded.post("/commission-plans", json={**PLAN, "name": "Mine"}, who=SUP_T1).status_code == 403
    assert loaded.get("/commission-plans", who=R1).status_code == 403


def test_a_bad_assignment_gets_field_messages_and_writes_nothing(loaded):
    plan = ok(loaded.post("/commission-plans", json=PLAN, who=DIRECTOR), 201)
    path = f"/commission-plans/{plan['id']}/assignments"
    response = loaded.post(path, json={"rep_id": "r1", "valid_from": "1 Nov", "bonus": 1}, who=DIRECTOR)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"valid_from", "bonus"}
    backwards = loaded.post(path, json={"rep_id": "r1", "valid_from": "2026-11-01", "valid_to": "2026-10-01"},
                            who=DIRECTOR)
    assert backwards.status_code == 422 and backwards.get_json()["detail"] == "valid_to comes before valid_from"
    assert ok(loaded.get(f"/commission-plans/{plan['id']}", who=DIRECTOR))["assignments"] == []
    assert loaded.post("/commission-plans/999/assignments", json={"rep_id": "r1", "valid_from": "2026-11-01"},
                       who=DIRECTOR).status_code == 404
