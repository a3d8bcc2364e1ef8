"""/kpis on the known data set: every metric by hand-computed value.

November 2026 in Shanghai, company currency CNY (see tests/unit for the arithmetic):
  revenue 34 423.40 = O1 10 000 + O2 1 000 USD × 7.1234 + O3 2 000 EUR × 7.65 + O4 5 000 − O5 3 000
  r1 14 123.40, r2 20 300.00; P1 18 475.00, P2 12 123.40, P3 3 825.00
"""
import pytest

from salesloop.testing.identities import ANONYMOUS, DIRECTOR, OPS
from kpi_client import deliver_all

SUPERVISOR_T1 = {"role": "supervisor", "user": "sup-1", "team": "t1", "region": "east"}
MANAGER_EAST = {"role": "manager", "user": "mgr-1", "team": None, "region": "east"}


def metrics(harness, query, who=DIRECTOR):
    response = harness.get(f"/kpis?{query}", who=who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def values(body):
    return {name: metric["value"] for name, metric in body["metrics"].items()}


def test_every_metric_of_november(loaded_once):
    body = metrics(loaded_once, "period=2026-11")
    assert (body["period"], body["start"], body["end"], body["timezone"], body["currency"]) == (
        "2026-11", "2026-11-01", "2026-11-30", "Asia/Shanghai", "CNY")
    assert values(body) == {
        "revenue": "34423.40", "gross_profit": "6561.70", "gross_margin": "34.31", "orders": "3",
        "average_order_value": "11474.47", "new_customers": "2", "leads_captured": "5", "leads_converted": "2",
        "lead_conversion_rate": "40.00", "deals_won": "3", "deals_lost": "2", "win_rate": "60.00",
        "contacts": "4", "visits": "2", "csat": "3.80", "nps": "20.00", "complaints_opened": "3",
        "complaint_response_timeliness": "33.33", "complaint_resolution_rate": "66.67",
        "compliance_violations": "3", "sales_cycle_median": "45.50", "sales_cycle_p90": "68.00",
        "weighted_pipeline": "46600.00",
    }
    assert body["metrics"]["gross_profit"]["note"] == "cost known for 55.55 % of revenue"
    assert body["metrics"]["win_rate"]["numerator"] == "3" and body["metrics"]["win_rate"]["denominator"] == "5"
    assert body["metrics"]["sales_cycle_median"]["note"] == "1 contracts without a known lead capture left out"
    assert body["metrics"]["weighted_pipeline"]["extra"] == {"open_deals": 2, "unweighted": "91000.00",
                                                             "left_out": 1}
    assert {k: v["value"] for k, v in body["leads_by_source"].items()} == {
        "referral": "1", "trade_show": "1", "unknown": "1", "web": "2"}
    assert {k: v["value"] for k, v in body["violations_per_agent"].items()} == {"a1": "2", "a2": "1"}


def test_growth_against_the_previous_month_and_the_same_month_last_year(loaded_once):
    growth = metrics(loaded_once, "period=2026-11")["growth"]["revenue"]
    # (34 423.40 − 3 000) / 3 000 = 1 047.45 %; (34 423.40 − 8 000) / 8 000 = 330.29 %
    assert (growth["previous_period"], growth["vs_previous"]["value"]) == ("2026-10", "1047.45")
    assert (growth["last_year_period"], growth["vs_last_year"]["value"]) == ("2025-11", "330.29")
    orders = metrics(loaded_once, "period=2026-12")["growth"]["orders"]["vs_previous"]
    assert orders["value"] == "-100.00"  # 0 net orders in December after 3 in November


@pytest.mark.parametrize("query, revenue, orders", [
    ("rep=r1", "14123.40", "1"), ("rep=r2", "20300.00", "2"), ("team=t1", "34423.40", "3"),
    ("region=west", "20300.00", "2"), ("product=P1", "18475.00", "1"), ("product=P3", "3825.00", None),
])
def test_slices_by_rep_team_region_product(loaded_once, query, revenue, orders):
    body = metrics(loaded_once, f"period=2026-11&{query}")
    assert body["metrics"]["revenue"]["value"] == revenue
    if orders is not None:
        assert body["metrics"]["orders"]["value"] == orders


def test_slices_of_the_funnel_and_service_metrics(loaded_once):
    r1 = values(metrics(loaded_once, "period=2026-11&rep=r1"))
    assert (r1["win_rate"], r1["lead_conversion_rate"], r1["csat"], r1["sales_cycle_median"]) == (
        "100.00", "100.00", "4.50", "43.25")
    assert r1["gross_profit"] == "5561.70"  # 4 000 + 3 561.70 − 2 000, every cost known
    r2 = values(metrics(loaded_once, "period=2026-11&rep=r2"))
    assert (r2["win_rate"], r2["nps"], r2["new_customers"]) == ("33.33", "0.00", "1")
    assert values(metrics(loaded_once, "period=2026-11&rep=a1"))["complaint_response_timeliness"] == "50.00"
    assert values(metrics(loaded_once, "period=2026-11&source=web"))["leads_captured"] == "2"


def test_a_sale_at_23_30_local_counts_on_that_local_day(loaded_once):
    assert values(metrics(loaded_once, "period=2026-11-25"))["revenue"] == "15300.00"  # 15:30 UTC
    assert values(metrics(loaded_once, "period=2026-11-30"))["revenue"] == "5000.00"  # 23:59 local
    # 00:30 on 1 December local is still 30 November in UTC: it is December's.
    assert values(metrics(loaded_once, "period=2026-12-01"))["revenue"] == "800.00"
    assert values(metrics(loaded_once, "period=2026-12-01"))["visits"] == "1"


def test_cancellations_reverse_in_their_own_period_and_periods_add_up(loaded_once):
    assert values(metrics(loaded_once, "period=2026-10"))["revenue"] == "3000.00"
    december = values(metrics(loaded_once, "period=2026-12"))
    assert (december["revenue"], december["orders"], december["average_order_value"]) == ("-4200.00", "0", None)
    assert values(metrics(loaded_once, "period=2026-Q4"))["revenue"] == "33223.40"
    assert values(metrics(loaded_once, "period=2026-11-20..2026-12-05"))["revenue"] == "16100.00"
    assert values(metrics(loaded_once, "period=2026-W48"))["revenue"] == "15300.00"  # 23–29 Nov
    assert values(metrics(loaded_once, "period=2026"))["revenue"] == "33223.40"  # all of 2026 happened in Q4
    assert values(metrics(loaded_once, "period=2025"))["revenue"] == "8000.00"


def test_an_empty_period_says_no_data(loaded_once):
    body = metrics(loaded_once, "period=2026-02")
    revenue, win_rate = body["metrics"]["revenue"], body["metrics"]["win_rate"]
    assert (revenue["value"], revenue["note"], revenue["has_data"]) == ("0.00", "no data", False)
    assert (win_rate["value"], win_rate["note"]) == (None, "no data")
    assert body["metrics"]["sales_cycle_median"]["value"] is None
    assert body["growth"]["revenue"]["vs_previous"]["value"] is None


def test_a_company_in_another_timezone_books_by_its_own_calendar(make_kpi):
    harness = make_kpi(company_timezone="UTC")
    deliver_all(harness)
    body = metrics(harness, "period=2026-11")
    assert body["timezone"] == "UTC"
    assert body["metrics"]["revenue"]["value"] == "35223.40"  # O6 (16:30 UTC on 30 Nov) is now November's
    assert values(metrics(harness, "period=2026-11-30"))["revenue"] == "5800.00"


def test_breakdown_sorted_and_paginated(loaded_once):
    response = loaded_once.get("/kpis/breakdown?period=2026-11&by=product&metric=revenue&page_size=2", who=DIRECTOR)
    assert response.status_code == 200
    page = response.get_json()
    assert [(i["key"], i["metric"]["value"]) for i in page["items"]] == [("P1", "18475.00"), ("P2", "12123.40")]
    assert (page["page"], page["page_size"], page["total"]) == (1, 2, 3)
    second = loaded_once.get("/kpis/breakdown?period=2026-11&by=product&metric=revenue&page_size=2&page=2",
                             who=DIRECTOR).get_json()
    assert [i["key"] for i in second["items"]] == ["P3"]
    body = loaded_once.get("/kpis/breakdown?period=2026-11&by=rep&metric=win_rate&sort=key", who=DIRECTOR).get_json()
    assert [(i["key"], i["metric"]["value"]) for i in body["items"]] == [("r1", "100.00"), ("r2", "33.33")]
    cycle = loaded_once.get("/kpis/breakdown?period=2026-11&by=rep&metric=sales_cycle_median", who=DIRECTOR)
    assert [(i["key"], i["metric"]["value"]) for i in cycle.get_json()["items"]] == [("r2", "45.50"), ("r1", "43.25")]


def test_trend_by_month(loaded_once):
    body = loaded_once.get("/kpis/trend?period=2026-Q4&every=month&metric=revenue", who=DIRECTOR).get_json()
    assert [(p["period"], p["metric"]["value"]) for p in body] == [
        ("2026-10", "3000.00"), ("2026-11", "34423.40"), ("2026-12", "-4200.00")]
    weekly = loaded_once.get("/kpis/trend?period=2026-11&every=week&metric=sales_cycle_median&rep=r1", who=DIRECTOR)
    # Weeks 44–49 overlap November: D0 signed in week 45 (68 days), D1 in week 47 (18.5 days).
    assert [(p["period"], p["metric"]["value"]) for p in weekly.get_json()] == [
        ("2026-W44", None), ("2026-W45", "68.00"), ("2026-W46", None), ("2026-W47", "18.50"),
        ("2026-W48", None), ("2026-W49", None)]


def test_the_catalog_lists_every_metric(loaded_once):
    catalog = {m["name"]: m for m in loaded_once.get("/kpis/catalog", who=DIRECTOR).get_json()}
    assert len(catalog) == 23
    assert catalog["compliance_violations"]["direction"] == "lower"
    assert catalog["weighted_pipeline"]["from_rollups"] is True  # a running sum of its changes


def test_each_role_sees_its_own_scope(loaded_once):
    assert metrics(loaded_once, "period=2026-11", {"role": "rep", "user": "r1", "team": "t1",
                                              "region": "east"})["scope"] == {"dimension": "rep", "value": "r1"}
    assert metrics(loaded_once, "period=2026-11", SUPERVISOR_T1)["metrics"]["revenue"]["value"] == "34423.40"
    assert metrics(loaded_once, "period=2026-11&rep=r2", SUPERVISOR_T1)["metrics"]["revenue"]["value"] == "20300.00"
    assert metrics(loaded_once, "period=2026-11", MANAGER_EAST)["scope"] == {"dimension": "region", "value": "east"}
    assert metrics(loaded_once, "period=2026-11&team=t1", MANAGER_EAST)["scope"]["value"] == "t1"
    by_rep = loaded_once.get("/kpis/breakdown?period=2026-11&by=rep&metric=revenue", who=MANAGER_EAST).get_json()
    assert [i["key"] for i in by_rep["items"]] == ["r1"]  # r2 works in the west


@pytest.mark.parametrize("who, query", [
    ({"role": "rep", "user": "r1", "team": "t1", "region": "east"}, "period=2026-11&rep=r2"),
    ({"role": "rep", "user": "r1", "team": "t1", "region": "east"}, "period=2026-11&team=t1"),
    (SUPERVISOR_T1, "period=2026-11&team=t2"),
    (SUPERVISOR_T1, "period=2026-11&product=P1"),
    (MANAGER_EAST, "period=2026-11&rep=r2"),
])
def test_figures_outside_the_scope_are_forbidden(loaded_once, who, query):
    response = loaded_once.get(f"/kpis?{query}", who=who)
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("/forbidden")


def test_without_a_token_nothing(loaded_once):
    assert loaded_once.get("/kpis?period=2026-11", who=ANONYMOUS).status_code == 401


@pytest.mark.parametrize("query, field", [
    ("period=2026-13", "period"), ("period=last%20month", "period"), ("", "period"),
    ("period=2026-11&rep=r1&team=t1", "team"), ("period=2026-11&rep=" + "x" * 65, "rep"),
])
def test_bad_queries_get_field_messages(loaded_once, query, field):
    response = loaded_once.get(f"/kpis?{query}", who=DIRECTOR)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_bad_breakdown_and_trend_queries(loaded_once):
    response = loaded_once.get("/kpis/breakdown?period=2026-11&by=planet&metric=luck", who=DIRECTOR)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"by", "metric"}
    response = loaded_once.get("/kpis/trend?period=2026-11&every=hour&metric=revenue", who=DIRECTOR)
    assert response.status_code == 422 and "every" in response.get_json()["errors"]


def test_the_trend_as_an_svg_bar_chart(loaded_once):
    response = loaded_once.get("/kpis/trend/chart?period=2026-Q4&every=month&metric=revenue", who=DIRECTOR)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.data.decode()
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 3  # October, November, December
    assert "2026-11: 34423.40 CNY" in svg and 'fill="#d0584a"' in svg  # December is negative
    empty = loaded_once.get("/kpis/trend/chart?period=2026-Q1&every=month&metric=win_rate", who=DIRECTOR)
    assert empty.data.decode().count("<rect") == 0 and empty.data.decode().count("—") == 3


def test_the_openapi_document_lists_every_resource(loaded_once):
    spec = loaded_once.get("/openapi.json", who=ANONYMOUS).get_json()
    assert {"/kpis", "/kpis/breakdown", "/kpis/trend", "/kpis/trend/chart", "/facts",
            "/scorecards/{kind}/{subject}/{period}", "/commission-plans", "/commissions/{rep_id}/{period}",
            "/awards", "/reports/{period}", "/customer-classes", "/admin/rebuild", "/admin/classify"} <= set(
        spec["paths"])


@pytest.mark.parametrize("dimension,value", [("all", ""), ("source", "web"), ("source", "unknown"),
                                             ("rep", "a1"), ("rep", "r1"), ("team", "t1"), ("region", "east")])
def test_per_source_and_per_agent_lists_from_the_rollups_equal_the_log(loaded_once, dimension, value):
    """Company-wide and within their own dimension the lists come from the rollups;
    they equal what counting the log's facts gives."""
    from kpi import repository
    from kpi.config import load_config
    from kpi.domain import facts as ft
    from kpi.domain import metrics as dm
    from kpi.domain.access import Slice
    from kpi.domain.periods import parse_period

    where = Slice(dimension, value)
    with loaded_once.runtime.database.session(writes=False) as session:
        current = repository.projection(session, load_config(loaded_once.settings))
        period = parse_period("2026-11", current.tz)
        captures = repository.credited_captures(
            session, current, repository.period_facts(session, current, period, ft.LEAD_CAPTURED))
        violations = repository.period_facts(session, current, period, ft.QA_VIOLATION)
        assert repository.leads_by_source(session, current, period, where) == \
            dm.leads_by_source(captures, period, where.scope)
        assert repository.violations_per_agent(session, current, period, where) == \
            dm.violations_per_agent(violations, period, where.scope)


def test_a_summary_is_computed_once_per_change_of_the_projections(loaded, monkeypatch):
    """Asked again with nothing new it is served as computed; any new event, or a
    rebuild, moves the projections' generation and the next ask computes afresh."""
    from kpi import repository
    from kpi_client import order, item, R1

    computed = []
    original = repository.summary
    monkeypatch.setattr(repository, "summary", lambda *args: computed.append(1) or original(*args))
    first = values(metrics(loaded, "period=2026-11"))
    assert values(metrics(loaded, "period=2026-11")) == first and len(computed) == 1
    loaded.deliver_all([("e-late", *order("created", "2026-11-20 10:00", "O-late", "C7", R1,
                                          [item("P1", "100.00", "60.00")]))])
    after = values(metrics(loaded, "period=2026-11"))
    assert (after["orders"], len(computed)) == ("4", 2)
    assert loaded.post("/admin/rebuild", json={}, who=OPS).status_code == 200
    assert values(metrics(loaded, "period=2026-11")) == after and len(computed) == 3
