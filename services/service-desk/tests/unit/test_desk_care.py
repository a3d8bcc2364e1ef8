"""Customer care: return visits per ABC class, birthdays (29 February too), holidays."""

from datetime import date

import pytest

from service_desk.domain.care import (
    Birthday,
    CareCustomer,
    CareKind,
    CarePlan,
    CareTask,
    CareTaskKey,
    CustomerClass,
    ExistingCareTask,
    HolidayGreeting,
    add_months,
    due_tasks,
)
from service_desk.domain.errors import InvalidConfiguration

VISIT, BIRTHDAY, HOLIDAY = CareKind.RETURN_VISIT, CareKind.BIRTHDAY, CareKind.HOLIDAY


def visited(customer_id, on):
    return ExistingCareTask(customer_id, VISIT, on, completed_on=on)


def keys(tasks):
    return [(t.customer_id, t.kind, t.due_on) for t in tasks]


@pytest.mark.parametrize("start, months, expected", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 12, 15), 1, date(2025, 1, 15)),
    (date(2024, 8, 31), 6, date(2025, 2, 28)),
    (date(2024, 5, 10), 3, date(2024, 8, 10)),
])
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


class TestReturnVisits:
    @pytest.mark.parametrize("customer_class, due", [
        (CustomerClass.A, date(2024, 6, 10)),
        (CustomerClass.B, date(2024, 8, 10)),
        (CustomerClass.C, date(2024, 11, 10)),
    ])
    def test_interval_per_class(self, customer_class, due):
        customer = CareCustomer("C-1", customer_class, owner_id="rep-1")
        last = [visited("C-1", date(2024, 5, 10))]
        assert due_tasks([customer], last, today=due.replace(day=9)) == []
        assert due_tasks([customer], last, today=due) == [
            CareTask("C-1", VISIT, due, f"return visit (class {customer_class})", "rep-1"),
        ]

    def test_a_sweep_creates_each_task_once(self):
        customer = CareCustomer("C-1", CustomerClass.A)
        existing = [visited("C-1", date(2024, 5, 10))]
        (task,) = due_tasks([customer], existing, today=date(2024, 6, 12))
        existing.append(ExistingCareTask(task.customer_id, task.kind, task.due_on))
        assert due_tasks([customer], existing, today=date(2024, 6, 13)) == []

    def test_no_new_visit_while_one_is_open(self):
        customer = CareCustomer("C-1", CustomerClass.A)
        existing = [visited("C-1", date(2024, 1, 10)), ExistingCareTask("C-1", VISIT, date(2024, 2, 10))]
        assert due_tasks([customer], existing, today=date(2024, 6, 1)) == []

    def test_the_next_visit_counts_from_the_last_completed_one(self):
        customer = CareCustomer("C-1", CustomerClass.B)
        existing = [visited("C-1", date(2024, 1, 5)),
                    ExistingCareTask("C-1", VISIT, date(2024, 4, 5), completed_on=date(2024, 4, 20))]
        assert keys(due_tasks([customer], existing, today=date(2024, 7, 20))) == [("C-1", VISIT, date(2024, 7, 20))]

    def test_a_reclassified_customer_is_due_at_once(self):
        # Visited as class C on 15 January; now class A: due 15 February, already past.
        customer = CareCustomer("C-1", CustomerClass.A)
        tasks = due_tasks([customer], [visited("C-1", date(2024, 1, 15))], today=date(2024, 3, 1))
        assert keys(tasks) == [("C-1", VISIT, date(2024, 2, 15))]

    def test_first_visit_counts_from_the_customer_since_date(self):
        customer = CareCustomer("C-1", CustomerClass.B, customer_since=date(2024, 1, 20))
        assert due_tasks([customer], [], today=date(2024, 4, 19)) == []
        assert keys(due_tasks([customer], [], today=date(2024, 4, 19), plan=CarePlan(horizon_days=1))) == [
            ("C-1", VISIT, date(2024, 4, 20)),
        ]

    def test_unclassified_customers_follow_the_configured_class(self):
        customer = CareCustomer("C-1", None, customer_since=date(2024, 1, 20))
        assert keys(due_tasks([customer], [], today=date(2024, 7, 20))) == [("C-1", VISIT, date(2024, 7, 20))]
        plan = CarePlan(unclassified_as=CustomerClass.B)
        assert keys(due_tasks([customer], [], today=date(2024, 4, 20), plan=plan)) == [
            ("C-1", VISIT, date(2024, 4, 20)),
        ]

    def test_configurable_intervals(self):
        plan = CarePlan.from_dict({"visit_every_months": {"A": 2, "B": 4, "C": 12}})
        customer = CareCustomer("C-1", CustomerClass.A)
        assert keys(due_tasks([customer], [visited("C-1", date(2024, 5, 10))], date(2024, 7, 10), plan)) == [
            ("C-1", VISIT, date(2024, 7, 10)),
        ]


class TestBirthdays:
    def test_birthday_greeting_on_the_day(self):
        customer = CareCustomer("C-1", CustomerClass.A, customer_since=date(2024, 3, 1), birthday=Birthday(3, 15))
        assert keys(due_tasks([customer], [], today=date(2024, 3, 15))) == [("C-1", BIRTHDAY, date(2024, 3, 15))]
        assert due_tasks([customer], [], today=date(2024, 3, 16)) == []  # never late

    def test_29_february_in_a_non_leap_year(self):
        birthday = Birthday(2, 29)
        assert birthday.in_year(2023) == date(2023, 2, 28)
        assert birthday.in_year(2024) == date(2024, 2, 29)
        customer = CareCustomer("C-1", CustomerClass.A, birthday=birthday)
        assert keys(due_tasks([customer], [visited("C-1", date(2023, 2, 20))], today=date(2023, 2, 28))) == [
            ("C-1", BIRTHDAY, date(2023, 2, 28)),
        ]
        last_visit = [visited("C-1", date(2024, 2, 20))]
        assert keys(due_tasks([customer], last_visit, today=date(2024, 2, 28))) == []
        assert keys(due_tasks([customer], last_visit, today=date(2024, 2, 29))) == [
            ("C-1", BIRTHDAY, date(2024, 2, 29)),
        ]

    def test_lead_days_and_a_missed_sweep(self):
        plan = CarePlan(greeting_lead_days=3)
        customer = CareCustomer("C-1", CustomerClass.C, customer_since=date(2024, 3, 1), birthday=Birthday(3, 15))
        assert due_tasks([customer], [], date(2024, 3, 11), plan) == []
        assert keys(due_tasks([customer], [], date(2024, 3, 12), plan)) == [("C-1", BIRTHDAY, date(2024, 3, 12))]
        # The sweep did not run until the 14th: the greeting (keyed on the 12th) is still made once.
        assert keys(due_tasks([customer], [], date(2024, 3, 14), plan)) == [("C-1", BIRTHDAY, date(2024, 3, 12))]
        existing = [ExistingCareTask("C-1", BIRTHDAY, date(2024, 3, 12))]
        assert due_tasks([customer], existing, date(2024, 3, 14), plan) == []

    def test_early_january_birthday_seen_from_december(self):
        plan = CarePlan(greeting_lead_days=3)
        customer = CareCustomer("C-1", CustomerClass.C, customer_since=date(2024, 12, 1), birthday=Birthday(1, 2))
        assert keys(due_tasks([customer], [], date(2024, 12, 30), plan)) == [("C-1", BIRTHDAY, date(2024, 12, 30))]

    def test_not_a_birthday(self):
        with pytest.raises(InvalidConfiguration):
            Birthday(2, 30)


class TestHolidays:
    PLAN = CarePlan(holidays=(
        HolidayGreeting("Spring Festival", date(2026, 2, 17), "春节"),
        HolidayGreeting("Mid-Autumn Festival", date(2026, 9, 25), "中秋节"),
        HolidayGreeting("Company Day", date(2026, 9, 25)),
    ))

    def test_every_customer_who_accepts_greetings(self):
        customers = [
            CareCustomer("C-1", CustomerClass.A, customer_since=date(2026, 2, 1)),
            CareCustomer("C-2", CustomerClass.B, customer_since=date(2026, 2, 1), accepts_greetings=False),
        ]
        tasks = due_tasks(customers, [], date(2026, 2, 17), self.PLAN)
        assert [(t.customer_id, t.kind, t.due_on, t.occasion) for t in tasks] == [
            ("C-1", HOLIDAY, date(2026, 2, 17), "Spring Festival"),
        ]

    def test_two_holidays_on_one_day_make_one_greeting(self):
        customer = CareCustomer("C-1", CustomerClass.C, customer_since=date(2026, 9, 1))
        (task,) = due_tasks([customer], [], date(2026, 9, 25), self.PLAN)
        assert task.key == CareTaskKey("C-1", HOLIDAY, date(2026, 9, 25))
        assert task.occasion == "Mid-Autumn Festival / Company Day"

    def test_holiday_and_birthday_and_visit_together(self):
        customer = CareCustomer("C-1", CustomerClass.A, birthday=Birthday(2, 17))
        tasks = due_tasks([customer], [visited("C-1", date(2026, 1, 17))], date(2026, 2, 17), self.PLAN)
        assert keys(tasks) == [
            ("C-1", BIRTHDAY, date(2026, 2, 17)),
            ("C-1", HOLIDAY, date(2026, 2, 17)),
            ("C-1", VISIT, date(2026, 2, 17)),
        ]

    def test_plan_from_json(self):
        plan = CarePlan.from_dict({
            "greeting_lead_days": 1,
            "holidays": [{"name": "New Year", "name_zh": "元旦", "date": "2027-01-01"}],
        })
        customer = CareCustomer("C-1", CustomerClass.A, customer_since=date(2026, 12, 20))
        assert keys(due_tasks([customer], [], date(2026, 12, 31), plan)) == [("C-1", HOLIDAY, date(2026, 12, 31))]

    @pytest.mark.parametrize("config", [
        {"visit_every_months": {"A": 1, "B": 3}},
        {"visit_every_months": {"A": 0, "B": 3, "C": 6}},
        {"holidays": [{"name": "X", "date": "someday"}]},
        {"greeting_lead_days": -1},
        {"colour": "red"},
    ])
    def test_bad_plans_are_refused(self, config):
        with pytest.raises(InvalidConfiguration):
            CarePlan.from_dict(config)
