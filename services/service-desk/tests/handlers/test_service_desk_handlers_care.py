"""Customer care: the local customer copy and the care tasks scheduled from it."""
from datetime import datetime, timezone

from sqlalchemy import text

from service_desk_client import SH, data_of

PLAN = {"visit_every_months": {"A": 1, "B": 3, "C": 6}}  # no holidays: one kind of task at a time
REP = {"role": "rep", "user": "rep-3", "team": "sales-1", "region": "east"}
SALES_SUPERVISOR = {"role": "supervisor", "user": "sup-9", "team": "sales-1", "region": "east"}


def upserted(customer_id, **changes):
    body = {
        "customer_id": customer_id, "name": f"客户 {customer_id}", "company": "华东机电", "category": "smb",
        "abc_class": None, "industry": "machinery", "region": "east", "team": "sales-1", "owner_rep_id": "rep-3",
        "contact": {"name": "李工", "phone": "13900001111", "email": "li@hd.example.com"}, "birthday": None,
        "created": True, "updated_at": "2025-01-10T02:00:00+00:00",
    }
    return {**body, **changes}


def classified(customer_id, abc_class, as_of="2025-01-31T16:00:00+00:00"):
    return {"customer_id": customer_id, "abc_class": abc_class, "previous_class": None,
            "trailing_revenue": "100000.00", "currency": "CNY", "as_of": as_of, "thresholds": {"a": "0.8", "b": "0.95"}}


def local_noon(year, month, day):
    return datetime(year, month, day, 12, tzinfo=SH)


def tasks(desk):
    return [(t["customer_id"], t["kind"], t["due_date"]) for t in data_of(desk, "service.care.task_due")]


def customer_row(desk, customer_id):
    with desk.runtime.database.session() as session:
        return session.execute(text("select * from customers where id = :id"), {"id": customer_id}).mappings().one()


# -- the customer copy ---------------------------------------------------------------------------


def test_an_upserted_customer_is_copied_and_masked_for_the_wrong_roles(desk):
    desk.deliver("leads.customer.upserted", upserted("C-1", birthday="1980-06-15", unknown_field="ignored"))
    own = desk.get("/customers/C-1", **REP).json
    assert own["contact"] == {"name": "李工", "phone": "13900001111", "email": "li@hd.example.com"}
    assert own["birthday"] == "1980-06-15" and own["customer_since"] == "2025-01-10"
    masked = desk.get("/customers/C-1", role="ops", user="ops-1").json
    assert masked["contact"] == {"name": "李工", "phone": "139****1111", "email": "l***@hd.example.com"}
    assert masked["birthday"] is None
    assert desk.get("/customers/C-1", role="rep", user="rep-4", team="sales-2").status_code == 404


def test_an_older_copy_does_not_overwrite_a_newer_one(desk):
    desk.deliver("leads.customer.upserted", upserted("C-1", name="New name", updated_at="2025-03-01T00:00:00Z"))
    desk.deliver("leads.customer.upserted", upserted("C-1", name="Old name", updated_at="2025-02-01T00:00:00Z"))
    assert customer_row(desk, "C-1")["name"] == "New name"


def test_the_kpi_classification_wins_and_only_a_newer_one_replaces_it(desk):
    desk.deliver("kpi.customer.classified", classified("C-1", "A"))  # before we ever heard of the customer
    desk.deliver("leads.customer.upserted", upserted("C-1", abc_class="C"))
    assert customer_row(desk, "C-1")["abc_class"] == "A"
    desk.deliver("kpi.customer.classified", classified("C-1", "B", as_of="2025-01-01T00:00:00Z"))
    assert customer_row(desk, "C-1")["abc_class"] == "A"
    desk.deliver("kpi.customer.classified", classified("C-1", "B", as_of="2025-02-28"))
    assert customer_row(desk, "C-1")["abc_class"] == "B"


def test_a_bad_class_is_refused(desk):
    import pytest

    from salesloop.messaging.processor import PermanentFailure

    with pytest.raises(PermanentFailure, match="abc_class"):
        desk.deliver("kpi.customer.classified", classified("C-1", "D"))


# -- care tasks ----------------------------------------------------------------------------------


def test_return_visits_follow_the_class_a_monthly_b_quarterly_c_half_yearly(make_desk):
    desk = make_desk(care_plan=PLAN)
    for customer_id, abc_class in (("C-A", "A"), ("C-B", "B"), ("C-C", "C")):
        desk.deliver("leads.customer.upserted", upserted(customer_id, abc_class=abc_class))  # won 2025-01-10
    desk.run_sweeps(local_noon(2025, 2, 9))
    assert tasks(desk) == []
    desk.run_sweeps(local_noon(2025, 2, 10))
    desk.run_sweeps(local_noon(2025, 2, 11))  # the open visit is not created twice
    assert tasks(desk) == [("C-A", "visit", "2025-02-10")]
    desk.run_sweeps(local_noon(2025, 4, 10))
    assert tasks(desk)[1:] == [("C-B", "visit", "2025-04-10")]
    desk.run_sweeps(local_noon(2025, 7, 10))
    assert tasks(desk)[2:] == [("C-C", "visit", "2025-07-10")]
    [first] = data_of(desk, "service.care.task_due")[:1]
    assert first["abc_class"] == "A" and first["agent_id"] == "rep-3" and first["occasion"] == "return visit (class A)"


def test_the_next_visit_counts_from_the_completed_one(make_desk):
    desk = make_desk(care_plan=PLAN)
    desk.deliver("leads.customer.upserted", upserted("C-A", abc_class="A"))
    desk.run_sweeps(local_noon(2025, 2, 10))
    [task] = desk.get("/care/tasks", **REP).json["items"]
    done = desk.post(f"/care/tasks/{task['id']}/complete",
                     json={"notes": "拜访完成，客户计划二季度扩产。", "completed_at": "2025-02-12T03:00:00Z"}, **REP)
    assert done.status_code == 200 and done.json["status"] == "done"
    [completed] = data_of(desk, "service.care.task_completed")
    assert completed["completed_by"] == "rep-3" and completed["kind"] == "visit"
    desk.run_sweeps(local_noon(2025, 3, 11))
    assert len(tasks(desk)) == 1
    desk.run_sweeps(local_noon(2025, 3, 12))
    assert tasks(desk)[1] == ("C-A", "visit", "2025-03-12")
    again = desk.post(f"/care/tasks/{task['id']}/complete", json={"notes": "again"}, **REP)
    assert again.status_code == 409


def test_a_reclassified_customer_is_visited_on_the_new_rhythm(make_desk):
    desk = make_desk(care_plan=PLAN)
    desk.deliver("leads.customer.upserted", upserted("C-1", abc_class="C"))
    desk.deliver("kpi.customer.classified", classified("C-1", "A"))
    desk.run_sweeps(local_noon(2025, 2, 10))
    assert tasks(desk) == [("C-1", "visit", "2025-02-10")]


def test_a_29_february_birthday_is_greeted_on_28_february_once(make_desk):
    desk = make_desk(care_plan=PLAN)
    desk.deliver("leads.customer.upserted", upserted("C-1", abc_class="C", birthday="1988-02-29"))
    desk.run_sweeps(local_noon(2025, 2, 27))
    desk.run_sweeps(local_noon(2025, 2, 28))
    desk.run_sweeps(datetime(2025, 2, 28, 15, 59, tzinfo=timezone.utc))  # 23:59 in Shanghai, same day
    assert tasks(desk) == [("C-1", "birthday", "2025-02-28")]


def test_holiday_greetings_skip_customers_who_declined(make_desk):
    desk = make_desk(care_plan={**PLAN, "holidays": [{"name": "National Day", "name_zh": "国庆节",
                                                      "date": "2025-10-01"}]})
    desk.deliver("leads.customer.upserted", upserted("C-1", abc_class="A", updated_at="2025-09-20T00:00:00Z"))
    desk.deliver("leads.customer.upserted", upserted("C-2", abc_class="A", updated_at="2025-09-20T00:00:00Z"))
    declined = desk.patch("/customers/C-2", json={"accepts_greetings": False}, **SALES_SUPERVISOR)
    assert declined.status_code == 200 and declined.json["accepts_greetings"] is False
    desk.run_sweeps(local_noon(2025, 10, 1))
    assert tasks(desk) == [("C-1", "holiday", "2025-10-01")]
    assert data_of(desk, "service.care.task_due")[0]["occasion"] == "National Day"


def test_care_tasks_are_listed_by_due_date_within_scope(make_desk):
    desk = make_desk(care_plan=PLAN)
    desk.deliver("leads.customer.upserted", upserted("C-1", abc_class="A"))
    desk.deliver("leads.customer.upserted", upserted("C-9", abc_class="A", owner_rep_id="rep-4", team="sales-2"))
    desk.run_sweeps(local_noon(2025, 2, 10))
    assert [t["customer_id"] for t in desk.get("/care/tasks", **REP).json["items"]] == ["C-1"]
    assert sorted(t["customer_id"] for t in desk.get("/care/tasks?status=open", role="director", user="d").json["items"]) \
        == ["C-1", "C-9"]
    other = desk.get("/care/tasks", role="rep", user="rep-4", team="sales-2").json["items"][0]["id"]
    assert desk.post(f"/care/tasks/{other}/complete", json={"notes": "x"}, **REP).status_code == 404


def test_completing_needs_notes(make_desk):
    desk = make_desk(care_plan=PLAN)
    desk.deliver("leads.customer.upserted", upserted("C-1", abc_class="A"))
    desk.run_sweeps(local_noon(2025, 2, 10))
    [task] = desk.get("/care/tasks", **REP).json["items"]
    refused = desk.post(f"/care/tasks/{task['id']}/complete", json={"notes": ""}, **REP)
    assert refused.status_code == 422 and "notes" in refused.json["errors"]
    assert desk.get(f"/care/tasks/{task['id']}", **REP).json["status"] == "open"
