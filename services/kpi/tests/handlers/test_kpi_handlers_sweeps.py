"""The worker's sweeps: the daily ABC classification and the closed-period reports."""
from datetime import datetime, timezone
from decimal import Decimal as D

from sqlalchemy import select

from kpi.models import CustomerClassRow, ReportRow
from kpi_client import R1, item, order


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def classes(harness):
    with harness.runtime.database.session() as session:
        return {row.customer_id: (row.abc_class, row.previous_class, row.trailing_revenue)
                for row in session.execute(select(CustomerClassRow)).scalars()}


def buy(harness, when, order_id, customer, amount, kind="created"):
    harness.deliver(*order(kind, when, order_id, customer, R1, [item("P1", amount, None)]))


def reports_sweep(harness, now):
    harness.run_sweep("period-reports", now)


def test_customers_are_classed_by_pareto_on_trailing_revenue_and_first_classes_published(loaded):
    # Trailing 12 months to 2026-11-30 (Shanghai): C3 15 300, C1 15 000 (10 000 + 5 000),
    # C2 7 123.40, C4 0 (3 000 − 3 000). Total 37 423.40: C3 starts at 0 %, C1 at 40.9 % → A;
    # C2 starts at 80.9 % → B; C4 has nothing → C. C5's order is December.
    loaded.run_sweeps(at("2026-11-30T16:30:00"))  # 00:30 on 1 December in Shanghai: as of 30 November
    assert classes(loaded) == {"C3": ("A", None, D("15300.00")), "C1": ("A", None, D("15000.00")),
                               "C2": ("B", None, D("7123.40")), "C4": ("C", None, D("0.00"))}
    published = {e["data"]["customer_id"]: e["data"] for e in loaded.published("kpi.customer.classified")}
    assert published["C2"] == {"customer_id": "C2", "abc_class": "B", "previous_class": None,
                               "trailing_revenue": "7123.40", "currency": "CNY", "as_of": "2026-11-30",
                               "thresholds": {"a": "80", "b": "95"}, "months": 12}
    assert set(published) == {"C1", "C2", "C3", "C4"}


def test_only_a_changed_class_is_published_again_and_the_run_is_daily(loaded):
    loaded.run_sweeps(at("2026-11-30T16:30:00"))
    loaded.run_sweeps(at("2026-11-30T20:00:00"))  # same local day: nothing runs
    assert len(loaded.published("kpi.customer.classified")) == 4
    buy(loaded, "2026-12-01 10:00", "BIG", "C4", "90000.00")
    loaded.run_sweeps(at("2026-12-01T17:00:00"))  # 2 December local: as of 1 December
    # Window 2025-12-02..2026-12-01: C4 90 000, C3 15 300, C1 15 000, C2 7 123.40, C5 800 = 128 223.40.
    # C4 starts at 0 % → A; C3 at 70.19 % → A; C1 at 82.12 % → B; C2 at 93.82 % → B; C5 at 99.38 % → C.
    changed = {e["data"]["customer_id"]: (e["data"]["previous_class"], e["data"]["abc_class"])
               for e in loaded.published("kpi.customer.classified")[4:]}
    assert changed == {"C4": ("C", "A"), "C1": ("A", "B"), "C5": (None, "C")}
    assert classes(loaded)["C2"] == ("B", None, D("7123.40"))  # unchanged: not published again


def test_thresholds_and_window_are_configurable(make_kpi):
    harness = make_kpi(extra={"KPI_ABC_A_PERCENT": "50", "KPI_ABC_B_PERCENT": "75",
                                                          "KPI_ABC_MONTHS": "1"})
    buy(harness, "2026-11-10 10:00", "X1", "K1", "600.00")
    buy(harness, "2026-11-11 10:00", "X2", "K2", "300.00")
    buy(harness, "2026-11-12 10:00", "X3", "K3", "100.00")
    buy(harness, "2026-09-12 10:00", "X4", "K4", "5000.00")  # outside a one-month window
    harness.run_sweeps(at("2026-11-30T16:30:00"))
    assert {k: v[0] for k, v in classes(harness).items()} == {"K1": "A", "K2": "B", "K3": "C"}
    assert harness.published("kpi.customer.classified")[0]["data"]["thresholds"] == {"a": "50", "b": "75"}


def test_a_closed_period_gets_its_report_announced_once(loaded):
    reports_sweep(loaded, at("2026-12-01T01:00:00"))  # 09:00 on 1 December in Shanghai
    ready = {e["data"]["period_kind"]: e["data"] for e in loaded.published("kpi.report.ready")}
    # Day 30 Nov, ISO week 48 (23–29 Nov), November, Q3 (Q4 has not ended), 2025 (the first fact is Nov 2025).
    assert {kind: data["period"] for kind, data in ready.items()} == {
        "day": "2026-11-30", "week": "2026-W48", "month": "2026-11", "quarter": "2026-Q3", "year": "2025"}
    assert ready["month"] == {"period_kind": "month", "period": "2026-11", "generated_at": "2026-12-01T01:00:00+00:00",
                              "formats": ["json", "csv"], "url": "/reports/2026-11", "start": "2026-11-01",
                              "end": "2026-11-30", "timezone": "Asia/Shanghai"}
    reports_sweep(loaded, at("2026-12-01T02:00:00"))
    assert len(loaded.published("kpi.report.ready")) == 5
    with loaded.runtime.database.session() as session:
        month = session.execute(select(ReportRow).where(ReportRow.period == "2026-11")).scalar_one()
        assert month.content["metrics"]["revenue"]["value"] == "34423.40"
        assert month.content["awards"]["sales_champion"]["winners"] == ["r2"]


def test_no_report_waits_for_late_events_within_the_grace_time(loaded):
    reports_sweep(loaded, at("2026-11-30T16:30:00"))  # 00:30 local on 1 December: within the hour
    periods = {e["data"]["period"] for e in loaded.published("kpi.report.ready")}
    assert "2026-11" not in periods and "2026-11-30" not in periods and "2026-11-29" in periods


def test_no_report_before_the_first_fact(kpi):
    reports_sweep(kpi, at("2026-12-01T01:00:00"))
    assert kpi.published("kpi.report.ready") == []
    buy(kpi, "2026-11-30 10:00", "A", "C1", "1.00")
    reports_sweep(kpi, at("2026-12-01T01:00:00"))
    # The week (23–29 Nov), Q3 and 2025 all ended before the first fact.
    assert {e["data"]["period"] for e in kpi.published("kpi.report.ready")} == {"2026-11-30", "2026-11"}
