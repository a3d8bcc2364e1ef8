"""/reports, /awards, /customer-classes, /facts and /admin on the known data set."""
import codecs
import json
import csv
import io
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from salesloop.testing.identities import DIRECTOR, OPS
from kpi.__main__ import main
from kpi.repository import stored_totals
from kpi_client import dataset, item, order

MANAGER_EAST = {"role": "manager", "user": "mgr-1", "team": None, "region": "east"}
R1 = {"role": "rep", "user": "r1", "team": "t1", "region": "east"}


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_the_monthly_report_as_json(loaded_once):
    report = ok(loaded_once.get("/reports/2026-11", who=DIRECTOR))
    assert (report["period"], report["period_kind"], report["metrics"]["revenue"]["value"]) == (
        "2026-11", "month", "34423.40")
    assert report["breakdowns"]["rep"]["r1"]["revenue"]["value"] == "14123.40"
    assert report["breakdowns"]["product"]["P3"]["revenue"]["value"] == "3825.00"
    assert report["breakdowns"]["source"]["trade_show"]["leads_captured"]["value"] == "1"
    # Champion r2 (20 300.00); most improved r1: October 3 000 → 14 123.40 = +370.78 % (r2 had nothing before).
    assert report["awards"]["sales_champion"] == {"title": "sales champion", "winners": ["r2"],
                                                  "value": "20300.00", "unit": "CNY", "note": None}
    assert (report["awards"]["most_improved"]["winners"], report["awards"]["most_improved"]["value"]) == (
        ["r1"], "370.78")


def test_a_managers_report_is_their_region_with_the_breakdowns_they_may_see(loaded_once):
    report = ok(loaded_once.get("/reports/2026-11", who=MANAGER_EAST))
    assert report["scope"] == {"dimension": "region", "value": "east"}
    assert report["metrics"]["revenue"]["value"] == "14123.40"
    assert set(report["breakdowns"]) == {"rep", "team", "region"}
    assert set(report["breakdowns"]["rep"]) == {"r1"} and set(report["breakdowns"]["region"]) == {"east"}


def test_the_report_as_csv_opens_in_a_spreadsheet_with_chinese_text(loaded):
    loaded.deliver(*order("created", "2026-11-12 10:00", "CN1", "C8", {"rep_id": "r8", "team": "华东一组",
                                                                     "region": "华东"}, [item("P1", "100.00", None)]))
    response = loaded.get("/reports/2026-11?format=csv", who=DIRECTOR)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(codecs.BOM_UTF8)
    assert 'filename="kpi-report-2026-11.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["period", "section", "dimension", "key", "metric", "value", "unit", "note"]
    assert ["2026-11", "summary", "all", "", "revenue", "34523.40", "CNY", ""] in rows
    assert ["2026-11", "breakdown", "team", "华东一组", "revenue", "100.00", "CNY", ""] in rows
    assert ["2026-11", "award", "rep", "r2", "sales_champion", "20300.00", "CNY", ""] in rows


def test_a_daily_report_has_no_awards_and_a_bad_period_is_422(loaded_once):
    assert "awards" not in ok(loaded_once.get("/reports/2026-11-25", who=DIRECTOR))
    response = loaded_once.get("/reports/November", who=DIRECTOR)
    assert response.status_code == 422 and "is not a period" in response.get_json()["detail"]
    assert loaded_once.get("/reports/2026-11?format=pdf", who=DIRECTOR).status_code == 422


def test_awards_of_a_period_and_of_a_team(loaded_once):
    awards = ok(loaded_once.get("/awards?period=2026-11", who=R1))
    assert (awards["previous_period"], awards["sales_champion"]["winners"]) == ("2026-10", ["r2"])
    quiet = ok(loaded_once.get("/awards?period=2026-02", who=R1))
    assert quiet["sales_champion"] == {"title": "sales champion", "winners": [], "value": None, "unit": "CNY",
                                       "note": "no rep with revenue in the period"}
    assert ok(loaded_once.get("/awards?period=2026-12&team=t2", who=R1))["sales_champion"]["winners"] == ["r3"]


def test_the_fact_log_for_operators(loaded_once):
    response = loaded_once.get("/facts?event_type=orders.order.created&page_size=3&sort=occurred_at", who=OPS)
    page = response.get_json()
    assert (page["page"], page["page_size"], page["total"]) == (1, 3, 7)
    assert [f["order_id"] for f in page["items"]] == ["O9", "O5", "O1"]
    fact = ok(loaded_once.get("/facts/e005", who=OPS))
    assert (fact["event_type"], fact["amount"], fact["fx_rate"], fact["amount_company"]) == (
        "orders.order.created", "1000.0000", "7.1234000000", "7123.4000")
    assert fact["data"]["items"][0]["product_code"] == "P2"
    assert loaded_once.get("/facts", who=R1).status_code == 403
    assert loaded_once.get("/facts/nope", who=OPS).status_code == 404
    assert loaded_once.get("/facts?since=yesterday", who=OPS).status_code == 422


def test_classify_now_and_read_the_classes(loaded):
    result = ok(loaded.post("/admin/classify", json={"as_of": "2026-11-30"}, who=OPS))
    assert result["as_of"] == "2026-11-30"
    assert {c["customer_id"]: c["current"] for c in result["changes"]} == {"C1": "A", "C2": "B", "C3": "A",
                                                                          "C4": "C"}
    listed = ok(loaded.get("/customer-classes", who=R1))["items"]
    assert [(c["customer_id"], c["abc_class"], c["trailing_revenue"]) for c in listed] == [
        ("C3", "A", "15300.0000"), ("C1", "A", "15000.0000"), ("C2", "B", "7123.4000"), ("C4", "C", "0.0000")]
    assert [c["customer_id"] for c in ok(loaded.get("/customer-classes?abc_class=A&sort=customer_id", who=R1))["items"]] == [
        "C1", "C3"]
    assert ok(loaded.get("/customer-classes/C2", who=R1))["abc_class"] == "B"
    assert loaded.get("/customer-classes/C9", who=R1).status_code == 404
    assert len(loaded.published("kpi.customer.classified")) == 4
    assert loaded.post("/admin/classify", json={"as_of": "30/11/2026"}, who=OPS).status_code == 422
    assert loaded.post("/admin/classify", json={}, who=R1).status_code == 403


def test_a_rebuild_gives_the_live_figures(loaded):
    with loaded.runtime.database.session() as session:
        live, live_months = stored_totals(session), stored_totals(session, monthly=True)
    result = ok(loaded.post("/admin/rebuild", json={}, who=OPS))
    assert (result["facts"], result["unreadable"], result["rows"], result["timezone"]) == (
        len(dataset()), 0, len(live), "Asia/Shanghai")
    with loaded.runtime.database.session() as session:
        assert stored_totals(session) == live and stored_totals(session, monthly=True) == live_months
    assert ok(loaded.get("/kpis?period=2026-11", who=DIRECTOR))["metrics"]["revenue"]["value"] == "34423.40"
    projection = ok(loaded.get("/admin/projection", who=OPS))
    assert (projection["facts"], projection["rebuilt_facts"], projection["needs_rebuild"]) == (64, 64, False)


def test_a_new_company_timezone_takes_effect_with_a_rebuild(loaded):
    loaded.app.extensions["kpi"] = replace(loaded.app.extensions["kpi"], timezone="UTC")
    projection = ok(loaded.get("/admin/projection", who=OPS))
    assert (projection["timezone"], projection["configured_timezone"], projection["needs_rebuild"]) == (
        "Asia/Shanghai", "UTC", True)
    assert ok(loaded.get("/kpis?period=2026-11", who=DIRECTOR))["metrics"]["revenue"]["value"] == "34423.40"
    ok(loaded.post("/admin/rebuild", json={}, who=OPS))
    body = ok(loaded.get("/kpis?period=2026-11", who=DIRECTOR))
    assert (body["timezone"], body["metrics"]["revenue"]["value"]) == ("UTC", "35223.40")


@pytest.mark.parametrize("who, body, status", [(R1, {}, 403), (DIRECTOR, {}, 403), (OPS, {"now": True}, 422)])
def test_only_operators_rebuild(loaded_once, who, body, status):
    assert loaded_once.post("/admin/rebuild", json=body, who=who).status_code == status


def test_contacts_in_logged_events_are_masked_for_operators_and_audited_for_directors(loaded):
    event_type, data = order("created", "2026-11-12 10:00", "PII", "C8", {"rep_id": "r8"}, [item("P1", "1.00", None)])
    data["customer_contact"] = {"name": "王芳", "phone": "+8613812345678", "email": "wang.fang@example.cn"}
    loaded.deliver(event_type, data, event_id="pii-1")
    contact = ok(loaded.get("/facts/pii-1", who=OPS))["data"]["customer_contact"]
    assert contact == {"name": "王芳", "phone": "138****5678", "email": "w***@example.cn"}
    listed = ok(loaded.get("/facts?order_id=PII", who=OPS))["items"]
    assert listed[0]["data"]["customer_contact"]["phone"] == "138****5678"
    assert ok(loaded.get("/facts/pii-1", who=DIRECTOR))["data"]["customer_contact"]["phone"] == "+8613812345678"
    with loaded.runtime.database.session() as session:
        reads = session.execute(text("select actor, resource from audit_log where action = 'READ_PII'")).all()
    assert [tuple(r) for r in reads] == [("dir-1", "/facts/pii-1")]


def test_the_rebuild_command_for_the_command_line(loaded, monkeypatch, capsys):
    monkeypatch.setenv("KPI_DATABASE_URL", loaded.settings.database_url)
    monkeypatch.setenv("BUS_URL", "memory://")
    assert main(["rebuild"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["facts"], printed["unreadable"], printed["timezone"]) == (64, 0, "Asia/Shanghai")
    assert ok(loaded.get("/admin/projection", who=OPS))["rebuilt_facts"] == 64


def test_the_closed_periods_are_listed_in_the_list_envelope(loaded):
    loaded.run_sweep("period-reports", datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc))
    first = ok(loaded.get("/reports?page_size=2", who=DIRECTOR))
    assert (first["page"], first["page_size"], first["total"]) == (1, 2, 5)
    rest = ok(loaded.get("/reports?page_size=2&page=3", who=DIRECTOR))["items"]
    listed = first["items"] + ok(loaded.get("/reports?page_size=2&page=2", who=DIRECTOR))["items"] + rest
    assert sorted(item["period"] for item in listed) == ["2025", "2026-11", "2026-11-30", "2026-Q3", "2026-W48"]
    assert loaded.get("/reports?page_size=101", who=DIRECTOR).status_code == 422
