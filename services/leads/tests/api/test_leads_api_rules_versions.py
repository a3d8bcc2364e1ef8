"""The rules in force are read per request but parsed once per version, so a version activated
anywhere (this process or another one sharing the database) applies to the next capture."""
from datetime import datetime, timedelta, timezone

from leads.models import RuleSetVersion
from leads.repository import load_rules

SOURCE_ONLY = {"thresholds": {"high": 20, "medium": 10}, "rules": [
    {"id": "source", "kind": "source", "weights": {"referral": 10, "web_form": 25}}]}
SIZE_ONLY = {"thresholds": {"high": 20, "medium": 10}, "rules": [
    {"id": "size", "kind": "company_size", "tiers": [{"min_employees": 100, "points": 12}]}]}


def capture(leads, n: int) -> dict:
    return leads.capture(company=f"公司{n}", company_size=500, source="web_form",
                         contact={"name": "王伟", "phone": f"1380013800{n}"})


def grading_of(lead: dict) -> tuple:
    grading = lead["grading"]
    return grading["ruleset_version"], grading["score"], grading["grade"]


def test_reactivating_an_older_version_puts_it_back_in_force(leads):
    assert grading_of(capture(leads, 1))[0] == "default-1"
    assert leads.put("/rules/grading", role="admin", json={"version": "src", "config": SOURCE_ONLY}).status_code == 200
    assert grading_of(capture(leads, 2)) == ("src", 25, "high")
    assert leads.put("/rules/grading", role="admin", json={"version": "size", "config": SIZE_ONLY}).status_code == 200
    assert grading_of(capture(leads, 3)) == ("size", 12, "medium")
    assert leads.put("/rules/grading", role="admin", json={"version": "src", "config": SOURCE_ONLY}).status_code == 200
    assert grading_of(capture(leads, 4)) == ("src", 25, "high")
    assert leads.get("/rules/grading", role="supervisor").json["version"] == "src"


def test_a_version_activated_by_another_process_is_in_force_on_the_next_capture(leads):
    assert grading_of(capture(leads, 1))[0] == "default-1"
    later = datetime.now(timezone.utc) + timedelta(seconds=1)
    with leads.runtime.database.session() as session:  # as another API process would write it
        session.add(RuleSetVersion(kind="grading", version="elsewhere", body=SIZE_ONLY, created_at=later,
                                   created_by="ops", activated_at=later))
        session.commit()
    assert grading_of(capture(leads, 2)) == ("elsewhere", 12, "medium")


def test_a_version_is_parsed_once_and_the_same_rules_serve_every_request(leads):
    with leads.runtime.database.session() as session:
        default = load_rules(session)
        assert load_rules(session) is default
        assert default.version_of("grading") == "default-1"
    leads.put("/rules/grading", role="admin", json={"version": "src", "config": SOURCE_ONLY})
    with leads.runtime.database.session() as session:
        configured = load_rules(session)
        assert configured is not default and load_rules(session) is configured
        assert configured.version_of("grading") == "src" and configured.version_of("assignment") == "assign-1"
        assert [rule.rule_id for rule in configured.grading.rules] == ["source"]
