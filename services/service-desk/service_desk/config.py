"""The service desk's own rules, configurable per company.

Read once by the composition root from ``SERVICE_DESK_*`` environment variables,
or from ``Settings.extra`` under the lower-case key (tests and embedding code
pass parsed values there). A JSON setting is either the JSON text itself or the
path of a file holding it.

    SERVICE_DESK_CALENDAR                  business calendar (salesloop.calendar); default
                                           office hours Mon-Fri 09:00-18:00 in COMPANY_TIMEZONE
    SERVICE_DESK_SLA_POLICIES              the first SLA policy book (later versions via PUT /sla-policies)
    SERVICE_DESK_QA_RULES                  the first compliance rules (later edited via /qa/rules)
    SERVICE_DESK_CARE_PLAN                 care schedule per ABC class, holidays (domain.care.CarePlan)
    SERVICE_DESK_SURVEY_URL                public base of the survey links (http://localhost:8004/surveys)
    SERVICE_DESK_SURVEY_EXPIRES_DAYS       a survey link's life             (30)
    SERVICE_DESK_SURVEY_REMIND_AFTER_HOURS one reminder after               (72)
    SERVICE_DESK_RECORDING_RETENTION_DAYS  default recording retention      (180)
    SERVICE_DESK_REOPEN_ON_UNSATISFIED     reopen a ticket closed with an unsatisfied verdict (true)
    SERVICE_DESK_SLA_SWEEP_SECONDS         escalation sweep period          (60)
    SERVICE_DESK_SURVEY_SWEEP_SECONDS      survey reminder sweep period     (300)
    SERVICE_DESK_CARE_SWEEP_SECONDS        care schedule sweep period       (3600)
    SERVICE_DESK_RETENTION_SWEEP_SECONDS   recording retention sweep period (3600)
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from salesloop.calendar import BusinessCalendar, CalendarError
from salesloop.config import ConfigError, Settings

from service_desk.domain.care import CHINESE_HOLIDAYS_2025_2026, CarePlan
from service_desk.domain.errors import DomainError
from service_desk.domain.qa import DEFAULT_RULES, ComplianceRule, rules_from_dicts
from service_desk.domain.sla_policies import SlaPolicyBook
from service_desk.domain.surveys import SurveySettings

PREFIX = "SERVICE_DESK_"


@dataclass(frozen=True)
class SweepPeriods:
    sla: float = 60
    surveys: float = 300
    care: float = 3600
    retention: float = 3600


@dataclass(frozen=True)
class DeskConfig:
    calendar: BusinessCalendar
    initial_policies: SlaPolicyBook
    initial_rules: tuple[ComplianceRule, ...]
    care_plan: CarePlan
    surveys: SurveySettings
    survey_url: str
    recording_retention: timedelta
    reopen_on_unsatisfied: bool
    company_currency: str
    sweeps: SweepPeriods

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.calendar.timezone)

    def answer_url(self, token: str) -> str:
        return f"{self.survey_url.rstrip('/')}/{token}"


def load_config(settings: Settings) -> DeskConfig:
    def raw(key: str):
        return settings.extra.get(key, os.environ.get(PREFIX + key.upper()))

    try:
        return DeskConfig(
            calendar=_calendar(raw("calendar"), settings.company_timezone),
            initial_policies=_policies(raw("sla_policies")),
            initial_rules=_rules(raw("qa_rules")),
            care_plan=_care_plan(raw("care_plan")),
            surveys=SurveySettings(
                expires_after=timedelta(days=_number(raw("survey_expires_days"), 30, "survey_expires_days")),
                remind_after=timedelta(hours=_number(raw("survey_remind_after_hours"), 72,
                                                     "survey_remind_after_hours")),
            ),
            survey_url=str(raw("survey_url") or "http://localhost:8004/surveys"),
            recording_retention=timedelta(days=_number(raw("recording_retention_days"), 180,
                                                       "recording_retention_days")),
            reopen_on_unsatisfied=_flag(raw("reopen_on_unsatisfied"), True),
            company_currency=settings.company_currency.upper(),
            sweeps=SweepPeriods(
                sla=_number(raw("sla_sweep_seconds"), 60, "sla_sweep_seconds"),
                surveys=_number(raw("survey_sweep_seconds"), 300, "survey_sweep_seconds"),
                care=_number(raw("care_sweep_seconds"), 3600, "care_sweep_seconds"),
                retention=_number(raw("retention_sweep_seconds"), 3600, "retention_sweep_seconds"),
            ),
        )
    except (DomainError, CalendarError) as exc:
        raise ConfigError(f"service desk configuration: {exc}") from exc


def _calendar(value, company_timezone: str) -> BusinessCalendar:
    if value in (None, ""):
        return BusinessCalendar.office_hours(company_timezone)
    config = _json(value, "calendar")
    if isinstance(config, dict):
        config = {"timezone": company_timezone, **config}
    return BusinessCalendar.from_dict(config)


def _policies(value) -> SlaPolicyBook:
    if value in (None, ""):
        return SlaPolicyBook.default()
    return SlaPolicyBook.from_dict(_json(value, "sla_policies"))


def _rules(value) -> tuple[ComplianceRule, ...]:
    if value in (None, ""):
        return DEFAULT_RULES
    entries = _json(value, "qa_rules")
    return rules_from_dicts(entries.get("rules", ()) if isinstance(entries, dict) else entries)


def _care_plan(value) -> CarePlan:
    if value in (None, ""):
        return CarePlan(holidays=CHINESE_HOLIDAYS_2025_2026)
    return CarePlan.from_dict(_json(value, "care_plan"))


def _json(value, key: str) -> Any:
    """Already parsed, JSON text, or the path of a JSON file."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    env = PREFIX + key.upper()
    if not text.startswith(("{", "[")):
        path = Path(text)
        if not path.is_file():
            raise ConfigError(f"{env}: neither JSON nor the path of a file: {text[:80]!r}")
        text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{env}: not valid JSON ({exc})") from None


def _number(value, default: float, key: str) -> float:
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{PREFIX}{key.upper()} must be a number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{PREFIX}{key.upper()} must be positive, got {value!r}")
    return number


def _flag(value, default: bool) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
