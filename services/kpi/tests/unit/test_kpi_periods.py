from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from kpi.domain.errors import InvalidPeriod, TimezoneRequired, UnknownTimezone
from kpi.domain.periods import (
    Period,
    PeriodKind,
    company_timezone,
    following,
    parse_period,
    period_containing,
    period_of,
    previous,
    same_period_last_year,
    sub_periods,
    trailing_months,
)

SH = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026", PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-Q4", PeriodKind.QUARTER, date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-q1", PeriodKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-11", PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 30)),
        ("2028-02", PeriodKind.MONTH, date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-W47", PeriodKind.WEEK, date(2026, 11, 16), date(2026, 11, 22)),
        ("2026-11-25", PeriodKind.DAY, date(2026, 11, 25), date(2026, 11, 25)),
        ("2026-11-01..2026-11-15", PeriodKind.RANGE, date(2026, 11, 1), date(2026, 11, 15)),
        (" 2026-11 ", PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 30)),
    ],
)
def test_parse_reads_every_format(text, kind, start, end):
    period = parse_period(text, SH)
    assert (period.kind, period.start, period.end) == (kind, start, end)


@pytest.mark.parametrize(
    "text", ["2026", "2026-Q4", "2026-11", "2026-W47", "2026-W01", "2026-11-25",
             "2026-11-01..2026-11-15"]
)
def test_label_reads_back_as_the_same_period(text):
    period = parse_period(text, SH)
    assert period.label() == text
    assert parse_period(period.label(), SH) == period
    assert str(period) == text


@pytest.mark.parametrize(
    "text",
    ["2026-13", "2026-00", "2026-Q5", "2026-02-30", "2026-W54", "2027-W53", "2026-W00",
     "2026-11-15..2026-11-01", "nov", "", "2026/11", "26-11"],
)
def test_parse_refuses_what_is_not_a_period(text):
    with pytest.raises(InvalidPeriod) as caught:
        parse_period(text, SH)
    assert repr(text.strip()) in caught.value.message


def test_iso_week_53_spans_the_year_end():
    # 1 January 2026 is a Thursday, so 2026 has 53 ISO weeks.
    week = parse_period("2026-W53", SH)
    assert (week.start, week.end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert period_containing(date(2027, 1, 2), "week", SH).label() == "2026-W53"


def test_first_iso_week_can_start_in_the_previous_year():
    week = parse_period("2025-W01", SH)
    assert (week.start, week.end) == (date(2024, 12, 30), date(2025, 1, 5))
    assert period_containing(date(2024, 12, 31), PeriodKind.WEEK, SH).label() == "2025-W01"


def test_previous_week_across_the_year_end():
    assert previous(parse_period("2026-W01", SH)).label() == "2025-W52"
    assert (previous(parse_period("2026-W01", SH)).start) == date(2025, 12, 22)


def test_same_week_last_year_maps_week_53_to_52():
    assert same_period_last_year(parse_period("2026-W53", SH)).label() == "2025-W52"
    assert same_period_last_year(parse_period("2026-W47", SH)).label() == "2025-W47"


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("2026-01", "2025-12"),
        ("2026-Q1", "2025-Q4"),
        ("2026", "2025"),
        ("2026-03-01", "2026-02-28"),
        ("2026-11-01..2026-11-15", "2026-10-17..2026-10-31"),
    ],
)
def test_previous_period(text, before):
    assert previous(parse_period(text, SH)).label() == before


def test_following_is_the_inverse_of_previous():
    for text in ["2026-12", "2026-Q4", "2026-W53", "2026-12-31", "2026-11-01..2026-11-15"]:
        period = parse_period(text, SH)
        assert previous(following(period)) == period


@pytest.mark.parametrize(
    ("text", "last_year"),
    [
        ("2026-11", "2025-11"),
        ("2026-Q4", "2025-Q4"),
        ("2026", "2025"),
        ("2026-11-25", "2025-11-25"),
        ("2028-02-29", "2027-02-28"),
        ("2028-02-01..2028-02-29", "2027-02-01..2027-02-28"),
    ],
)
def test_same_period_last_year(text, last_year):
    assert same_period_last_year(parse_period(text, SH)).label() == last_year


def test_a_sale_at_2330_local_belongs_to_that_local_day():
    moment = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert period_of(moment, "day", SH).start == date(2026, 11, 25)


def test_half_past_midnight_local_is_the_next_day_although_utc_is_still_the_day_before():
    moment = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 1 December 00:30 in Shanghai
    assert period_of(moment, "day", SH).start == date(2026, 12, 1)
    assert period_of(moment, "month", SH).label() == "2026-12"
    assert period_of(moment, "month", ZoneInfo("UTC")).label() == "2026-11"


def test_west_of_utc_2330_local_is_the_next_day_in_utc_but_counts_locally():
    new_york = ZoneInfo("America/New_York")
    moment = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # 25 Nov 23:30 EST
    assert period_of(moment, "day", new_york).start == date(2026, 11, 25)
    assert parse_period("2026-11-25", new_york).contains(moment)
    assert not parse_period("2026-11-26", new_york).contains(moment)


def test_utc_bounds_of_a_shanghai_month():
    start, end = parse_period("2026-11", SH).utc_bounds()
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_utc_bounds_follow_daylight_saving():
    berlin = ZoneInfo("Europe/Berlin")
    start, end = parse_period("2026-03-29", berlin).utc_bounds()  # clocks go forward
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 23 * 3600


def test_contains_is_half_open_on_the_utc_bounds():
    day = parse_period("2026-11-25", SH)
    start, end = day.utc_bounds()
    assert day.contains(start)
    assert not day.contains(end)


def test_period_of_refuses_a_naive_datetime():
    with pytest.raises(TimezoneRequired):
        period_of(datetime(2026, 11, 25, 12, 0), "day", SH)


def test_period_of_has_no_range():
    with pytest.raises(InvalidPeriod):
        period_of(datetime(2026, 11, 25, tzinfo=UTC), "range", SH)
    with pytest.raises(InvalidPeriod):
        period_of(datetime(2026, 11, 25, tzinfo=UTC), "fortnight", SH)


def test_a_period_must_be_whole():
    with pytest.raises(InvalidPeriod):
        Period(PeriodKind.MONTH, date(2026, 11, 2), date(2026, 11, 30), SH)
    with pytest.raises(InvalidPeriod):
        Period(PeriodKind.WEEK, date(2026, 11, 17), date(2026, 11, 23), SH)  # Tuesday
    assert Period("month", date(2026, 11, 1), date(2026, 11, 30), SH).kind is PeriodKind.MONTH


def test_days_and_dates():
    period = parse_period("2026-11-29..2026-12-02", SH)
    assert period.days == 4
    assert period.dates() == [date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 1),
                              date(2026, 12, 2)]


def test_trailing_twelve_months():
    assert trailing_months(date(2026, 11, 30), 12, SH).label() == "2025-12-01..2026-11-30"
    assert trailing_months(date(2026, 11, 25), 12, SH).label() == "2025-11-26..2026-11-25"
    assert trailing_months(date(2026, 12, 31), 1, SH).label() == "2026-12-01..2026-12-31"
    with pytest.raises(InvalidPeriod):
        trailing_months(date(2026, 11, 30), 0, SH)


def test_sub_periods_cover_the_period_for_charts():
    weeks = sub_periods(parse_period("2026-11", SH), "week")
    assert [w.label() for w in weeks] == [
        "2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    months = sub_periods(parse_period("2026-Q4", SH), PeriodKind.MONTH)
    assert [m.label() for m in months] == ["2026-10", "2026-11", "2026-12"]


def test_company_timezone():
    assert company_timezone("Asia/Shanghai") == SH
    with pytest.raises(UnknownTimezone):
        company_timezone("Mars/Olympus_Mons")
