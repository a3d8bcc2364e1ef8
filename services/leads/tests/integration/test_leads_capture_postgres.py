"""Capturing on the real PostgreSQL: many at once (every unique lead is taken, none refused, and
the reps' loads add up), duplicates found in one lookup, and a capture's round trips and commits counted."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from leads.app import create_app
from leads.bootstrap import spec
from leads.commands.retrying import committed
from leads.models import Lead, Rep

pytestmark = pytest.mark.integration

THREADS = 8
PER_THREAD = 5
CAPACITIES = {"rep-a": 12, "rep-b": 12, "rep-c": 10}  # 34 slots for 40 leads: six must wait in the pool


def _body(thread: int, i: int) -> dict:
    n = thread * 100 + i
    return {"company": f"并发测试公司{n}", "industry": "manufacturing", "region": "east",
            "contact": {"name": "王伟", "phone": f"1390000{n:04d}", "email": f"c{n}@example.com"},
            "needs": "需要报价 quote", "product_lines": ["crm"], "source": "referral"}


def _capture_several(harness, thread: int) -> list[tuple[int, dict]]:
    client, headers = harness.app.test_client(), harness.headers("supervisor", "sup-1")
    answers = []
    for i in range(PER_THREAD):
        response = client.post("/leads", json=_body(thread, i), headers=headers)
        answers.append((response.status_code, response.json))
    return answers


@pytest.fixture
def leads_on_postgres(service_harness, postgres_url):
    harness = service_harness(spec(), create_app, database_url=postgres_url, migrate=True)
    for rep_id, capacity in CAPACITIES.items():
        response = harness.post("/reps", role="admin", json={
            "id": rep_id, "name": rep_id, "team": "team-1", "region": "east", "capacity": capacity,
            "skills": {"product_lines": ["crm"], "regions": ["east"], "industries": []}})
        assert response.status_code == 201, response.json
    return harness


def test_concurrent_unique_captures_all_succeed_and_loads_stay_consistent(leads_on_postgres):
    harness = leads_on_postgres
    with ThreadPoolExecutor(THREADS) as pool:
        answers = [a for batch in pool.map(lambda t: _capture_several(harness, t), range(THREADS)) for a in batch]

    refused = [(status, body) for status, body in answers if status != 201]
    assert refused == []
    assert len({body["id"] for _, body in answers}) == THREADS * PER_THREAD == 40
    with harness.runtime.database.session() as session:
        loads = dict(session.execute(select(Lead.owner_rep_id, func.count()).where(Lead.owner_rep_id.is_not(None))
                                     .group_by(Lead.owner_rep_id)).all())
        pooled = session.execute(select(func.count()).where(Lead.owner_rep_id.is_(None),
                                                            Lead.status == "new")).scalar()
        assigned_at = dict(session.execute(select(Rep.id, Rep.last_assigned_at)).all())
    # 34 slots, 40 leads: every slot is filled exactly once, the other six wait in the pool.
    assert loads == CAPACITIES
    assert pooled == 6
    assert sum(loads.values()) == sum(1 for _, body in answers if body["owner_rep_id"]) == 34
    assert all(assigned_at[rep_id] is not None for rep_id in CAPACITIES)
    assigned_events = harness.published("leads.lead.assigned")
    assert len(assigned_events) == 34
    assert len(harness.published("leads.lead.captured")) == 40


def test_duplicates_of_leads_and_customers_come_from_one_lookup_contact_matches_first(leads_on_postgres):
    harness = leads_on_postgres
    supervisor = {"role": "supervisor", "user": "sup-1"}
    by_company = harness.post("/leads", **supervisor, json={**_body(0, 0), "company": "深圳市腾飞科技有限公司"}).json
    by_email = harness.post("/leads", **supervisor, json={**_body(0, 1), "contact": {
        "name": "李娜", "email": "Wang.Wei@TengFei.cn"}}).json
    customer = harness.post("/customers", role="admin", json={"name": "腾飞", "contacts": [
        {"name": "王伟", "phone": "+86 138 0013 8000"}]}).json
    response = harness.post("/leads", **supervisor, json={
        "company": "深圳市腾飞科技有限公司", "contact": {"phone": "13800138000", "email": "wang.wei@tengfei.cn"},
        "source": "referral"})
    assert response.status_code == 409
    assert response.json["matches"] == [
        {"kind": "lead", "id": by_email["id"], "matched_on": ["email"]},
        {"kind": "customer", "id": customer["id"], "matched_on": ["phone"]},
        {"kind": "lead", "id": by_company["id"], "matched_on": ["company"]}]


def test_a_capture_is_eight_statements_and_one_commit_and_only_the_assignment_is_under_the_reps_locks(
        leads_on_postgres):
    harness = leads_on_postgres
    harness.put("/rules/grading", role="admin", json={"version": "g2", "config": {
        "thresholds": {"high": 20, "medium": 10}, "rules": [{"id": "source", "kind": "source",
                                                             "weights": {"referral": 25}}]}})
    statements = []
    engine = harness.runtime.database.engine
    listener = lambda *args: statements.append(" ".join(args[2].split()[:3]))  # noqa: E731
    counted = [0]
    count_commit = lambda connection: counted.__setitem__(0, counted[0] + 1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    event.listen(engine, "commit", count_commit)
    try:
        response = harness.post("/leads", role="supervisor", user="sup-1", json=_body(9, 9))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        event.remove(engine, "commit", count_commit)
    commits = counted[0]
    assert response.status_code == 201 and response.json["grading"]["ruleset_version"] == "g2"
    assert [statement.split(",")[0] for statement in statements] == [
        "SELECT anon_1.branch",          # the rules in force (parsed once per version), and the leads,
                                         # customers and contacts sharing a key, at once
        "SELECT reps.id",                # the reps locked, until the commit
        "SELECT leads.owner_rep_id",     # their loads
        "INSERT INTO leads",
        "INSERT INTO lead_history",      # captured, graded and assigned, in one statement
        "UPDATE reps SET",
        "WITH written_audit_log AS",     # at the commit, one statement: the write's audit line, the
                                         # three events, and the NOTIFY that wakes the relay
        "SELECT reps.id",                # which candidates a supervisor may see in the explanation
    ]
    assert commits == 1  # the lead, its history, its events and its audit line together


def test_the_victim_of_a_real_deadlock_runs_again_and_both_transactions_commit(leads_on_postgres):
    runtime, barrier = leads_on_postgres.runtime, threading.Barrier(2)
    attempts = {"rep-a": 0, "rep-b": 0}

    def lock_both(first: str, second: str):
        def work(unit):
            attempts[first] += 1
            unit.session.execute(select(Rep).where(Rep.id == first).with_for_update()).all()
            if attempts[first] == 1:
                barrier.wait(timeout=10)  # both hold their first lock: the second ones deadlock
            unit.session.execute(select(Rep).where(Rep.id == second).with_for_update()).all()
            unit.session.execute(Rep.__table__.update().where(Rep.id == first).values(name=f"{first} done"))
            return first

        unit = runtime.uow()
        try:
            return committed(unit, work)
        finally:
            unit.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda pair: lock_both(*pair), [("rep-a", "rep-b"), ("rep-b", "rep-a")]))
    assert results == ["rep-a", "rep-b"]
    assert sorted(attempts.values()) == [1, 2]  # PostgreSQL chose one victim; it ran again
    with runtime.database.session() as session:
        names = dict(session.execute(select(Rep.id, Rep.name).where(Rep.id.in_(["rep-a", "rep-b"]))).all())
    assert names == {"rep-a": "rep-a done", "rep-b": "rep-b done"}
