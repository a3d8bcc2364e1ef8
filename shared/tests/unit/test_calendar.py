"""BusinessCalendar: business-time arithmetic, hand-computed.

The Shanghai calendar works Mon-Fri 09:00-12:00 and 13:30-18:00 (7.5 h a day).
2024-03-04 is a Monday. China's 2024 Qingming holiday is Thu 04-04 to Sat 04-06
with Sunday 04-07 a make-up workday; National Day is 10-01 to 10-07 with Sunday
09-29 and Saturday 10-12 made up.
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from salesloop.calendar import BusinessCalendar, CalendarError, WorkingPeriod

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def sh(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def berlin(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def hours(value):
    return timedelta(hours=value)


@pytest.fixture
def office():
    return BusinessCalendar.from_dict({
        "timezone": "Asia/Shanghai",
        "workdays": ["mon", "tue", "wed", "thu", "fri"],
        "hours": ["09:00", "18:00"],
        "lunch_break": ["12:00", "13:30"],
        "holidays": ["2024-04-04/2024-04-06", "2024-10-01/2024-10-07"],
        "extra_working_days": ["2024-04-07", "2024-09-29", "2024-10-12"],
    })


class TestAdd:
    def test_within_a_morning(self, office):
        assert office.add(sh(2024, 3, 4, 9), hours(2)) == sh(2024, 3, 4, 11)

    def test_result_is_utc(self, office):
        result = office.add(sh(2024, 3, 4, 9), hours(2))
        assert result.tzinfo == UTC
        assert result == datetime(2024, 3, 4, 3, 0, tzinfo=UTC)

    def test_skips_the_lunch_break(self, office):
        # 11:00-12:00 is one hour, the second starts at 13:30.
        assert office.add(sh(2024, 3, 4, 11), hours(2)) == sh(2024, 3, 4, 14, 30)

    def test_across_the_weekend(self, office):
        # Friday 17:00-18:00, then Monday 09:00-10:00.
        assert office.add(sh(2024, 3, 8, 17), hours(2)) == sh(2024, 3, 11, 10)

    def test_ending_exactly_at_closing_time_stays_on_that_day(self, office):
        assert office.add(sh(2024, 3, 8, 16), hours(2)) == sh(2024, 3, 8, 18)

    def test_starting_on_a_saturday(self, office):
        assert office.add(sh(2024, 3, 9, 10), hours(1)) == sh(2024, 3, 11, 10)

    def test_starting_before_opening(self, office):
        assert office.add(sh(2024, 3, 4, 7), timedelta(minutes=30)) == sh(2024, 3, 4, 9, 30)

    def test_starting_during_lunch(self, office):
        assert office.add(sh(2024, 3, 4, 12, 30), hours(1)) == sh(2024, 3, 4, 14, 30)

    def test_starting_after_closing(self, office):
        assert office.add(sh(2024, 3, 4, 19), hours(1)) == sh(2024, 3, 5, 10)

    def test_several_days(self, office):
        # Mon 09:00 + 16 h: Mon 7.5, Tue 7.5, Wed 09:00 + 1 h.
        assert office.add(sh(2024, 3, 4, 9), hours(16)) == sh(2024, 3, 6, 10)

    def test_skips_holidays_and_works_the_make_up_sunday(self, office):
        # Wed 04-03 17:00-18:00, Thu-Sat off, Sunday 04-07 09:00-10:00.
        assert office.add(sh(2024, 4, 3, 17), hours(2)) == sh(2024, 4, 7, 10)

    def test_across_golden_week(self, office):
        # Mon 09-30 17:00-18:00, 10-01..10-07 off, Tue 10-08 09:00-10:00.
        assert office.add(sh(2024, 9, 30, 17), hours(2)) == sh(2024, 10, 8, 10)

    def test_zero_duration_returns_the_start_even_outside_hours(self, office):
        assert office.add(sh(2024, 3, 9, 10), timedelta(0)) == sh(2024, 3, 9, 10)

    def test_accepts_any_time_zone(self, office):
        # 02:00 in Berlin (CET) is 09:00 in Shanghai.
        assert office.add(berlin(2024, 3, 4, 2), hours(1)) == sh(2024, 3, 4, 10)

    def test_negative_duration_is_refused(self, office):
        with pytest.raises(CalendarError, match="negative"):
            office.add(sh(2024, 3, 4, 9), hours(-1))

    def test_naive_datetime_is_refused(self, office):
        with pytest.raises(CalendarError, match="aware"):
            office.add(datetime(2024, 3, 4, 9), hours(1))

    def test_calendar_without_working_time_cannot_add(self):
        closed = BusinessCalendar.office_hours("Asia/Shanghai", workdays=())
        with pytest.raises(CalendarError, match="no working time"):
            closed.add(sh(2024, 3, 4, 9), hours(1))


class TestBusinessTimeBetween:
    def test_across_lunch(self, office):
        # 10:00-12:00 and 13:30-15:00.
        assert office.business_time_between(sh(2024, 3, 4, 10), sh(2024, 3, 4, 15)) == hours(3.5)

    def test_reversed_is_negative(self, office):
        assert office.business_time_between(sh(2024, 3, 4, 15), sh(2024, 3, 4, 10)) == hours(-3.5)

    def test_a_full_week(self, office):
        assert office.business_time_between(sh(2024, 3, 4), sh(2024, 3, 11)) == hours(37.5)

    def test_weekend_only_is_zero(self, office):
        assert office.business_time_between(sh(2024, 3, 9, 8), sh(2024, 3, 10, 20)) == timedelta(0)

    def test_holidays_and_make_up_days(self, office):
        # Fri 09-27 7.5 + Sun 09-29 (make-up) 7.5 + Mon 09-30 7.5; 10-01..10-07 off.
        assert office.business_time_between(sh(2024, 9, 27, 9), sh(2024, 10, 8, 9)) == hours(22.5)

    def test_is_the_inverse_of_add(self, office):
        start = sh(2024, 4, 3, 15, 10)
        end = office.add(start, hours(11))
        assert office.business_time_between(start, end) == hours(11)

    def test_calendar_without_working_time_has_none(self):
        closed = BusinessCalendar.office_hours("Asia/Shanghai", workdays=())
        assert closed.business_time_between(sh(2024, 3, 4), sh(2024, 4, 4)) == timedelta(0)


class TestWorkingTime:
    def test_is_working_time(self, office):
        assert office.is_working_time(sh(2024, 3, 4, 9))
        assert not office.is_working_time(sh(2024, 3, 4, 12, 15))
        assert office.is_working_time(sh(2024, 3, 4, 13, 30))
        assert not office.is_working_time(sh(2024, 3, 4, 18))  # the end is exclusive
        assert not office.is_working_time(sh(2024, 3, 9, 10))  # Saturday
        assert not office.is_working_time(sh(2024, 4, 4, 10))  # Qingming
        assert office.is_working_time(sh(2024, 4, 7, 10))  # make-up Sunday

    def test_next_working_time(self, office):
        assert office.next_working_time(sh(2024, 3, 4, 10, 5)) == sh(2024, 3, 4, 10, 5)
        assert office.next_working_time(sh(2024, 3, 4, 12, 15)) == sh(2024, 3, 4, 13, 30)
        assert office.next_working_time(sh(2024, 3, 8, 18, 30)) == sh(2024, 3, 11, 9)
        assert office.next_working_time(sh(2024, 4, 3, 18)) == sh(2024, 4, 7, 9)

    def test_working_days(self, office):
        assert office.is_working_day(date(2024, 3, 4))
        assert not office.is_working_day(date(2024, 10, 3))
        assert office.is_working_day(date(2024, 10, 12))

    def test_working_periods_in_utc(self, office):
        assert office.working_periods(date(2024, 3, 4)) == [
            (datetime(2024, 3, 4, 1, tzinfo=UTC), datetime(2024, 3, 4, 4, tzinfo=UTC)),
            (datetime(2024, 3, 4, 5, 30, tzinfo=UTC), datetime(2024, 3, 4, 10, tzinfo=UTC)),
        ]


class TestDaylightSaving:
    """Berlin moves from CET (UTC+1) to CEST (UTC+2) on 2024-03-31 and back on 2024-10-27."""

    @pytest.fixture
    def berlin_office(self):
        return BusinessCalendar.office_hours("Europe/Berlin", hours=("09:00", "17:00"))

    @pytest.fixture
    def berlin_all_day(self):
        return BusinessCalendar.from_dict({
            "timezone": "Europe/Berlin",
            "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "hours": ["00:00", "24:00"],
        })

    def test_opening_hours_stay_on_the_wall_clock(self, berlin_office):
        assert berlin_office.working_periods(date(2024, 3, 29)) == [
            (datetime(2024, 3, 29, 8, tzinfo=UTC), datetime(2024, 3, 29, 16, tzinfo=UTC)),
        ]
        assert berlin_office.working_periods(date(2024, 4, 1)) == [
            (datetime(2024, 4, 1, 7, tzinfo=UTC), datetime(2024, 4, 1, 15, tzinfo=UTC)),
        ]

    def test_add_across_the_spring_switch(self, berlin_office):
        # Friday 16:00-17:00 CET, Monday 09:00-10:00 CEST = 08:00 UTC.
        result = berlin_office.add(berlin(2024, 3, 29, 16), hours(2))
        assert result == datetime(2024, 4, 1, 8, tzinfo=UTC)
        assert result == berlin(2024, 4, 1, 10)

    def test_between_across_the_spring_switch(self, berlin_office):
        assert berlin_office.business_time_between(
            datetime(2024, 3, 29, 15, tzinfo=UTC), datetime(2024, 4, 1, 8, tzinfo=UTC)
        ) == hours(2)

    def test_the_spring_sunday_has_23_hours(self, berlin_all_day):
        assert berlin_all_day.business_time_between(berlin(2024, 3, 30), berlin(2024, 4, 1)) == hours(47)

    def test_the_autumn_sunday_has_25_hours(self, berlin_all_day):
        assert berlin_all_day.business_time_between(berlin(2024, 10, 27), berlin(2024, 10, 28)) == hours(25)

    def test_add_over_the_autumn_switch(self, berlin_all_day):
        # 00:00 CEST (22:00 UTC the day before) + 25 h is Monday 00:00 CET.
        assert berlin_all_day.add(berlin(2024, 10, 27), hours(25)) == berlin(2024, 10, 28)


class TestTwentyFourSeven:
    def test_business_time_is_elapsed_time(self):
        always = BusinessCalendar.twenty_four_seven("Europe/Berlin")
        start = berlin(2024, 3, 30, 23)  # 22:00 UTC
        assert always.add(start, hours(4)) == datetime(2024, 3, 31, 2, tzinfo=UTC)
        assert always.add(start, hours(4)) == berlin(2024, 3, 31, 4)  # clocks jumped
        assert always.business_time_between(start, berlin(2024, 3, 31, 4)) == hours(4)
        assert always.is_working_time(berlin(2024, 3, 31, 3, 30))
        assert always.next_working_time(start) == start

    def test_from_dict(self):
        assert BusinessCalendar.from_dict({"always_open": True}) == BusinessCalendar.twenty_four_seven("UTC")


class TestConfiguration:
    def test_working_hours_per_weekday_equal_the_shorthand(self, office):
        explicit = BusinessCalendar.from_dict({
            "timezone": "Asia/Shanghai",
            "working_hours": {
                day: [["09:00", "12:00"], ["13:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
            },
            "holidays": ["2024-04-04", "2024-04-05", "2024-04-06", "2024-10-01/2024-10-07"],
            "extra_working_days": ["2024-04-07", "2024-09-29", "2024-10-12"],
        })
        assert explicit == office

    def test_round_trip_through_a_dict(self, office):
        assert BusinessCalendar.from_dict(office.to_dict()) == office

    def test_to_dict_lists_each_holiday(self, office):
        config = office.to_dict()
        assert config["holidays"][:3] == ["2024-04-04", "2024-04-05", "2024-04-06"]
        assert config["working_hours"]["mon"] == [["09:00", "12:00"], ["13:30", "18:00"]]
        assert "sat" not in config["working_hours"]

    def test_different_hours_per_weekday(self):
        calendar = BusinessCalendar.from_dict({
            "timezone": "Asia/Shanghai",
            "working_hours": {"mon": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]]},
        })
        # Monday 17:00-18:00, then Saturday 10:00-12:00.
        assert calendar.add(sh(2024, 3, 4, 17), hours(3)) == sh(2024, 3, 9, 12)

    def test_make_up_days_use_their_own_hours_when_given(self):
        calendar = BusinessCalendar.from_dict({
            "timezone": "Asia/Shanghai",
            "extra_working_days": ["2024-03-09"],
            "extra_working_day_hours": [["10:00", "12:00"]],
        })
        assert calendar.business_time_between(sh(2024, 3, 9), sh(2024, 3, 10)) == hours(2)
        assert calendar.hours_on(date(2024, 3, 8)) == (WorkingPeriod.parse("09:00", "18:00"),)

    @pytest.mark.parametrize("config, message", [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"colour": "red"}, "unknown calendar settings: colour"),
        ({"hours": ["18:00", "09:00"]}, "start before it ends"),
        ({"hours": ["9am", "18:00"]}, "HH:MM"),
        ({"hours": ["09:00", "24:30"]}, "not a time of day"),
        ({"lunch_break": ["08:00", "09:30"]}, "inside the working hours"),
        ({"workdays": ["monday", "funday"]}, "unknown weekdays: fun"),
        ({"holidays": ["2024-10-07/2024-10-01"]}, "must not end before it starts"),
        ({"holidays": ["2024/10/01"]}, "YYYY-MM-DD"),
        ({"holidays": "2024-10-01"}, "list"),
        ({"holidays": ["2024-10-01"], "extra_working_days": ["2024-10-01"]}, "both a holiday and a make-up"),
        ({"working_hours": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "not overlap"),
        ({"working_hours": {"mon": [["09:00", "18:00"]]}, "hours": ["09:00", "17:00"]}, "not both"),
    ])
    def test_bad_configuration_is_refused_with_a_reason(self, config, message):
        with pytest.raises(CalendarError, match=message):
            BusinessCalendar.from_dict(config)

    def test_working_period_to_midnight(self):
        period = WorkingPeriod.parse("22:00", "24:00")
        assert period.duration == hours(2)
        assert str(period) == "22:00-24:00"


# -- public holidays from chinesecalendar -------------------------------------------------
CN_OFFICE = {"timezone": "Asia/Shanghai", "hours": ["09:00", "18:00"], "public_holidays": "CN"}


def test_the_2025_and_2026_make_up_workdays_are_working_days():
    calendar = BusinessCalendar.from_dict(CN_OFFICE)
    make_up = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
               "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    for day in make_up:
        assert calendar.is_working_day(date.fromisoformat(day)), day
    assert not calendar.is_working_day(date(2026, 2, 21))  # an ordinary Saturday stays off


def test_the_2025_and_2026_public_holidays_are_days_off():
    calendar = BusinessCalendar.from_dict(CN_OFFICE)
    for day in ["2025-01-29", "2025-05-05", "2025-10-08", "2026-01-02", "2026-02-17", "2026-10-07"]:
        assert not calendar.is_working_day(date.fromisoformat(day)), day
    assert calendar.is_working_day(date(2026, 10, 9))  # the Friday after National Day


def test_company_days_override_the_public_ones():
    calendar = BusinessCalendar.from_dict({**CN_OFFICE, "extra_working_days": ["2026-10-07"],
                                           "holidays": ["2026-10-10", "2026-12-24"]})
    assert calendar.is_working_day(date(2026, 10, 7))       # the company works on a public holiday
    assert not calendar.is_working_day(date(2026, 10, 10))  # and skips a make-up Saturday
    assert not calendar.is_working_day(date(2026, 12, 24))  # its own day off


def test_an_unknown_country_is_refused():
    with pytest.raises(CalendarError, match="no public holiday source"):
        BusinessCalendar.from_dict({**CN_OFFICE, "public_holidays": "XX"})
