from datetime import UTC, date, datetime

import pytest

from orders.domain.errors import RuleViolation
from orders.domain.workdays import CALENDAR_DAYS, WorkCalendar, office_calendar

MAY_DAY = frozenset({date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)})


def test_calendar_days_count_every_day():
    assert CALENDAR_DAYS.add_working_days(date(2024, 2, 27), 3) == date(2024, 3, 1)  # leap year
    assert CALENDAR_DAYS.subtract_working_days(date(2024, 3, 1), 3) == date(2024, 2, 27)
    assert CALENDAR_DAYS.add_working_days(date(2024, 3, 1), 0) == date(2024, 3, 1)


def test_office_calendar_skips_weekends_and_holidays():
    calendar = office_calendar("Asia/Shanghai", MAY_DAY)

    # Tue 30 April + 1 working day: 1-3 May holidays, 4-5 weekend -> Mon 6 May.
    assert calendar.add_working_days(date(2024, 4, 30), 1) == date(2024, 5, 6)
    assert calendar.subtract_working_days(date(2024, 5, 6), 1) == date(2024, 4, 30)
    assert calendar.is_working_day(date(2024, 5, 4)) is False


def test_local_date_uses_the_zone():
    evening_utc = datetime(2024, 5, 6, 20, 0, tzinfo=UTC)

    assert WorkCalendar(zone="Asia/Shanghai").local_date(evening_utc) == date(2024, 5, 7)
    assert WorkCalendar(zone="America/New_York").local_date(evening_utc) == date(2024, 5, 6)


def test_naive_time_and_negative_days_are_refused():
    with pytest.raises(RuleViolation):
        CALENDAR_DAYS.local_date(datetime(2024, 5, 6, 20, 0))
    with pytest.raises(RuleViolation):
        CALENDAR_DAYS.add_working_days(date(2024, 5, 6), -1)
    with pytest.raises(RuleViolation):
        WorkCalendar(weekend=frozenset(range(7))).add_working_days(date(2024, 5, 6), 1)
