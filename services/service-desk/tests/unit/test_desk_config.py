"""The service desk's configuration: environment variables holding JSON or a file path."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from salesloop.config import ConfigError, load_settings
from service_desk.config import load_config
from service_desk.domain.care import CustomerClass


def test_the_defaults_are_office_hours_in_the_company_time_zone(monkeypatch):
    monkeypatch.delenv("SERVICE_DESK_CALENDAR", raising=False)
    desk = load_config(load_settings("service-desk", company_timezone="Europe/Berlin"))
    assert desk.calendar.timezone == "Europe/Berlin"
    # Mon 2026-11-02 17:00 Berlin (16:00 UTC) + 2 business hours = Tue 10:00 Berlin.
    assert desk.calendar.add(datetime(2026, 11, 2, 16, tzinfo=timezone.utc), timedelta(hours=2)) == \
        datetime(2026, 11, 3, 9, tzinfo=timezone.utc)
    assert desk.surveys.expires_after == timedelta(days=30) and desk.surveys.remind_after == timedelta(hours=72)
    assert desk.recording_retention == timedelta(days=180)
    assert desk.care_plan.interval_months(CustomerClass.B) == 3
    assert desk.answer_url("abc") == "http://localhost:8004/surveys/abc"


def test_the_calendar_comes_from_json_in_the_environment(monkeypatch):
    monkeypatch.setenv("SERVICE_DESK_CALENDAR", json.dumps({"hours": ["08:00", "17:00"], "holidays": ["2026-11-03"]}))
    desk = load_config(load_settings("service-desk"))
    assert desk.calendar.timezone == "Asia/Shanghai"
    # Mon 16:00 Shanghai + 2 h: one hour Monday, Tuesday off, Wed 08:00-09:00.
    assert desk.calendar.add(datetime(2026, 11, 2, 8, tzinfo=timezone.utc), timedelta(hours=2)) == \
        datetime(2026, 11, 4, 1, tzinfo=timezone.utc)


def test_the_calendar_and_the_care_plan_come_from_files(monkeypatch, tmp_path):
    calendar = tmp_path / "calendar.json"
    calendar.write_text(json.dumps({"timezone": "UTC", "always_open": True}))
    plan = tmp_path / "care.json"
    plan.write_text(json.dumps({"visit_every_months": {"A": 2, "B": 4, "C": 12}}))
    monkeypatch.setenv("SERVICE_DESK_CALENDAR", str(calendar))
    monkeypatch.setenv("SERVICE_DESK_CARE_PLAN", str(plan))
    monkeypatch.setenv("SERVICE_DESK_SURVEY_REMIND_AFTER_HOURS", "24")
    desk = load_config(load_settings("service-desk"))
    assert desk.calendar.always_open is True
    assert desk.care_plan.interval_months(CustomerClass.A) == 2
    assert desk.surveys.remind_after == timedelta(hours=24)


@pytest.mark.parametrize("variable, value, message", [
    ("SERVICE_DESK_CALENDAR", "/no/such/file.json", "neither JSON nor the path of a file"),
    ("SERVICE_DESK_CALENDAR", "{not json", "not valid JSON"),
    ("SERVICE_DESK_CALENDAR", '{"hours": ["18:00", "09:00"]}', "must start before it ends"),
    ("SERVICE_DESK_SLA_POLICIES", '{"policies": []}', "no SLA policy for"),
    ("SERVICE_DESK_SURVEY_EXPIRES_DAYS", "soon", "must be a number"),
    ("SERVICE_DESK_SURVEY_REMIND_AFTER_HOURS", "1000", "reminder must come before"),
])
def test_a_broken_setting_stops_the_service_with_its_name(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        load_config(load_settings("service-desk"))
