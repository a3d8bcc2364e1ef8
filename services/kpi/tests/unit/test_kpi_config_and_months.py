"""The service's settings, and how a period is split over the monthly rollup."""
from datetime import date
from decimal import Decimal as D

import pytest

from salesloop.config import ConfigError, load_settings

from kpi.config import load_config
from kpi.repository import _whole_months, by_month
from kpi.domain.rollup import RollupKey


def settings(**extra):
    return load_settings("kpi", database_url="sqlite://", bus_url="memory://", extra=extra)


def test_defaults_follow_the_company_settings():
    config = load_config(load_settings("kpi", database_url="sqlite://", bus_url="memory://",
                                       company_timezone="Europe/Berlin", company_currency="eur"))
    assert (config.timezone, config.currency) == ("Europe/Berlin", "EUR")
    assert config.abc_thresholds.a_cumulative_percent == D(80)
    assert (config.abc_months, config.report_grace_minutes, config.target_grace_days) == (12, 60, 1)


def test_each_setting_can_be_configured():
    config = load_config(settings(KPI_ABC_A_PERCENT="70", KPI_ABC_B_PERCENT="90", KPI_ABC_MONTHS="6",
                                  KPI_REPORT_GRACE_MINUTES="0", KPI_TARGET_GRACE_DAYS="3",
                                  KPI_PUBLIC_URL="https://kpi.example.com/"))
    assert config.abc_thresholds.b_cumulative_percent == D(90)
    assert (config.abc_months, config.report_grace_minutes, config.target_grace_days) == (6, 0, 3)
    assert config.public_url == "https://kpi.example.com"


@pytest.mark.parametrize("extra, message", [
    ({"KPI_ABC_MONTHS": "twelve"}, "KPI_ABC_MONTHS must be a number"),
    ({"KPI_ABC_MONTHS": "0"}, "at least 1"),
    ({"KPI_ABC_A_PERCENT": "97"}, "ABC thresholds need"),
])
def test_bad_settings_stop_the_service_at_start(extra, message):
    with pytest.raises(ConfigError, match=message):
        load_config(settings(**extra))


def test_an_unknown_timezone_stops_the_service_at_start():
    with pytest.raises(ConfigError, match="unknown timezone"):
        load_config(load_settings("kpi", database_url="sqlite://", bus_url="memory://",
                                  company_timezone="Mars/Olympus"))


@pytest.mark.parametrize("start, end, months, days", [
    ("2026-11-01", "2026-11-30", [("2026-11-01", "2026-11-30")], []),
    ("2026-11-15", "2026-11-30", [], [("2026-11-15", "2026-11-30")]),
    ("2026-10-20", "2027-01-10", [("2026-11-01", "2026-11-30"), ("2026-12-01", "2026-12-31")],
     [("2026-10-20", "2026-10-31"), ("2027-01-01", "2027-01-10")]),
    ("2024-01-31", "2024-03-31", [("2024-02-01", "2024-02-29"), ("2024-03-01", "2024-03-31")],
     [("2024-01-31", "2024-01-31")]),
])
def test_a_period_is_read_as_whole_months_and_loose_days(start, end, months, days):
    as_dates = lambda pairs: [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in pairs]  # noqa: E731
    assert _whole_months(date.fromisoformat(start), date.fromisoformat(end)) == (as_dates(months), as_dates(days))


def test_daily_counters_sum_into_their_month():
    daily = {RollupKey(date(2026, 11, 3), "revenue", "rep", "r1"): D("10.5"),
             RollupKey(date(2026, 11, 20), "revenue", "rep", "r1"): D("-10.5"),
             RollupKey(date(2026, 11, 20), "orders", "all", ""): D(1),
             RollupKey(date(2026, 12, 1), "orders", "all", ""): D(2)}
    assert by_month(daily) == {RollupKey(date(2026, 11, 1), "orders", "all", ""): D(1),
                               RollupKey(date(2026, 12, 1), "orders", "all", ""): D(2)}
