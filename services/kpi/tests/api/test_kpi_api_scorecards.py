"""/scorecards: targets set at the period's start, evaluations, and the weighted score.

r1 in November (Shanghai): revenue 14 123.40, win rate 100 %, CSAT 4.50.
"""
from datetime import datetime, timezone

import pytest

from salesloop.testing.identities import DIRECTOR

R1 = {"role": "rep", "user": "r1", "team": "t1", "region": "east"}
R2 = {"role": "rep", "user": "r2", "team": "t1", "region": "west"}
R3 = {"role": "rep", "user": "r3", "team": "t2", "region": "east"}
SUP_T1 = {"role": "supervisor", "user": "sup-1", "team": "t1", "region": "east"}
SUP_T2 = {"role": "supervisor", "user": "sup-2", "team": "t2", "region": "east"}
MANAGER_EAST = {"role": "manager", "user": "mgr-1", "team": None, "region": "east"}
AGENT = {"role": "cs_agent", "user": "cs-1", "team": "cs", "region": None}
TARGETS = {"targets": [{"metric": "revenue", "target": "20000", "weight_percent": "50"},
                       {"metric": "win_rate", "target": "80", "weight_percent": "30"},
                       {"metric": "csat", "target": "4", "weight_percent": "20"}]}
CARD = "/scorecards/rep/r1/2026-11"


def put_targets(harness, body=TARGETS, who=SUP_T1, path=CARD):
    return harness.put(path, json=body, who=who)


def evaluate(harness, who, source, score, **extra):
    return harness.post(f"{CARD}/evaluations", json={"source": source, "score": score, **extra}, who=who)


def test_a_supervisor_sets_targets_and_the_card_scores_attainment_and_evaluations(loaded):
    response = put_targets(loaded)
    assert response.status_code == 200, response.get_json()
    assert [t["metric"] for t in response.get_json()["targets"]] == ["revenue", "win_rate", "csat"]
    for who, source, score, extra in ((SUP_T1, "supervisor", "80", {}), (R1, "self", "90", {}),
                                      (R2, "peer", "70", {}), (AGENT, "customer", "60", {"evaluator": "C1"})):
        assert evaluate(loaded, who, source, score, **extra).status_code == 201
    card = loaded.get(CARD, who=R1).get_json()
    lines = {line["metric"]: line for line in card["lines"]}
    # revenue 14 123.40 / 20 000 = 70.617 % × 50 = 35.3085; win rate 100 / 80 = 125 % × 30 = 37.5;
    # CSAT 4.50 / 4 = 112.5 % × 20 = 22.5 → results 95.3085.
    assert (lines["revenue"]["actual"], lines["revenue"]["attainment_percent"], lines["revenue"]["points"]) == (
        "14123.40", "70.62", "35.31")
    assert (lines["win_rate"]["attainment_percent"], lines["win_rate"]["points"]) == ("125.00", "37.50")
    assert lines["csat"]["detail"]["numerator"] == "9"  # 5 + 4 over 2 answers
    # Evaluations 80×50 + 90×10 + 60×20 + 70×20 over 100 = 75; final 95.3085×0.7 + 75×0.3 = 89.21595.
    assert (card["results_score"], card["evaluation_score"], card["final_score"]) == ("95.31", "75.00", "89.22")
    assert card["evaluation_by_source"] == {"supervisor": "80.00", "self": "90.00", "peer": "70.00",
                                            "customer": "60.00"}


def test_rules_cap_attainment_and_leave_out_missing_metrics(loaded):
    body = {"targets": [{"metric": "revenue", "target": "20000", "weight_percent": "50"},
                        {"metric": "win_rate", "target": "80", "weight_percent": "30"},
                        {"metric": "nps", "target": "50", "weight_percent": "20"}],
            "rules": {"attainment_cap_percent": "120", "missing_actual": "exclude", "results_weight_percent": "100"}}
    assert put_targets(loaded, body, MANAGER_EAST, "/scorecards/rep/r1/2026-12").status_code == 200
    card = loaded.get("/scorecards/rep/r1/2026-12", who=DIRECTOR).get_json()
    # December r1: no revenue (0 → 0 %), no closed deal and no survey (left out): only revenue counts.
    assert [(l["metric"], l["counted_percent"]) for l in card["lines"]] == [("revenue", "0.00"), ("win_rate", None),
                                                                          ("nps", None)]
    assert card["final_score"] == "0.00"
    november = put_targets(loaded, body, SUP_T1).get_json()
    assert november["rules"]["attainment_cap_percent"] == "120"
    lines = {l["metric"]: l for l in loaded.get(CARD, who=DIRECTOR).get_json()["lines"]}
    assert (lines["win_rate"]["attainment_percent"], lines["win_rate"]["counted_percent"]) == ("125.00", "120.00")


def test_targets_stand_once_the_period_is_under_way(loaded):
    loaded.set_clock(datetime(2026, 11, 1, 15, 0, tzinfo=timezone.utc))  # 23:00 on 1 November in Shanghai
    assert put_targets(loaded).status_code == 200
    loaded.set_clock(datetime(2026, 11, 1, 16, 0, tzinfo=timezone.utc))  # 00:00 on 2 November
    response = put_targets(loaded)
    assert response.status_code == 409
    assert "had to be set by 2026-11-01" in response.get_json()["detail"]


@pytest.mark.parametrize("who, path", [(R1, CARD), (SUP_T2, CARD), (MANAGER_EAST, "/scorecards/rep/r2/2026-11"),
                                       (SUP_T1, "/scorecards/team/t2/2026-11")])
def test_only_the_subjects_managers_set_targets(loaded, who, path):
    assert put_targets(loaded, who=who, path=path).status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"targets": [{"metric": "happiness", "target": "1", "weight_percent": "100"}]}, "targets"),
    ({"targets": [{"metric": "revenue", "target": "-5", "weight_percent": "100"}]}, "targets"),
    ({"targets": [{"metric": "revenue", "target": "5", "weight_percent": "100", "stretch": True}]}, "targets"),
    ({"targets": []}, "targets"),
    ({"targets": [{"metric": "revenue", "target": "5", "weight_percent": "100"}], "colour": "red"}, "colour"),
    ({"targets": [{"metric": "revenue", "target": "5", "weight_percent": "100"}],
      "rules": {"evaluation_weights": {"boss": "100"}}}, "rules"),
])
def test_bad_targets_get_field_messages_and_write_nothing(loaded, body, field):
    response = put_targets(loaded, body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert loaded.get(CARD, who=DIRECTOR).status_code == 404


def test_weights_must_add_up_to_100(loaded):
    body = {"targets": [{"metric": "revenue", "target": "5", "weight_percent": "60"},
                        {"metric": "orders", "target": "5", "weight_percent": "30"}]}
    response = put_targets(loaded, body)
    assert response.status_code == 422
    assert response.get_json()["detail"] == "metric weights add up to 90, not 100"
    assert loaded.get(CARD, who=DIRECTOR).status_code == 404


@pytest.mark.parametrize("who, source", [(R2, "self"), (R3, "peer"), (R1, "peer"), (R2, "supervisor"),
                                         (R2, "customer")])
def test_who_may_give_which_evaluation(loaded, who, source):
    put_targets(loaded)
    assert evaluate(loaded, who, source, "50").status_code == 403


def test_one_evaluation_per_evaluator_and_source(loaded):
    put_targets(loaded)
    assert evaluate(loaded, SUP_T1, "supervisor", "80").status_code == 201
    assert evaluate(loaded, SUP_T1, "supervisor", "85").status_code == 409
    assert evaluate(loaded, SUP_T1, "supervisor", "101").status_code == 422


def test_scorecards_are_seen_within_scope(loaded):
    put_targets(loaded)
    put_targets(loaded, path="/scorecards/team/t1/2026-11")
    assert loaded.get(CARD, who=R2).status_code == 404
    listed = loaded.get("/scorecards?period=2026-11", who=SUP_T1).get_json()["items"]
    assert [(c["subject_kind"], c["subject_id"]) for c in listed] == [("rep", "r1"), ("team", "t1")]
    assert [c["subject_id"] for c in loaded.get("/scorecards?period=2026-11", who=R1).get_json()["items"]] == ["r1"]
    team = loaded.get("/scorecards/team/t1/2026-11", who=SUP_T1).get_json()
    assert team["lines"][0]["actual"] == "34423.40"
    assert loaded.get("/scorecards/rep/r1/2026-11-05", who=DIRECTOR).status_code == 422  # scorecards are not daily
