"""The Deals service's own rules, configurable per company.

Read once by the composition root from ``DEALS_*`` environment variables, or
from ``Settings.extra`` (tests and embedding code pass the same keys there):

    DEALS_STAGE_PROBABILITIES  qualification=10,needs_analysis=20,proposal=40,negotiation=60,contract_review=80
    DEALS_GRADE_THRESHOLDS     A=70,B=30        (A from 70 %, B from 30 %, C below)
    DEALS_FOLLOWUP_DAYS        A=2,B=5,C=10     (days between follow-ups, by grade)
    DEALS_DEFAULT_CYCLE_DAYS   90               (expected close date of a converted lead)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from salesloop.config import ConfigError, Settings

from deals.domain import DomainError, Grade, GradeThresholds, StageProbabilities

DEFAULT_FOLLOWUP_DAYS = {Grade.A: 2, Grade.B: 5, Grade.C: 10}
KEYS = {
    "stage_probabilities": "DEALS_STAGE_PROBABILITIES",
    "grade_thresholds": "DEALS_GRADE_THRESHOLDS",
    "followup_days": "DEALS_FOLLOWUP_DAYS",
    "default_cycle_days": "DEALS_DEFAULT_CYCLE_DAYS",
}


@dataclass(frozen=True)
class DealsConfig:
    stage_probabilities: StageProbabilities
    grade_thresholds: GradeThresholds
    followup_days: dict[Grade, int]
    default_cycle_days: int
    company_currency: str
    business_zone: ZoneInfo

    def followup_interval(self, grade: Grade) -> timedelta:
        return timedelta(days=self.followup_days[grade])


def load_config(settings: Settings) -> DealsConfig:
    raw = {key: settings.extra.get(key, os.environ.get(env)) for key, env in KEYS.items()}
    try:
        return DealsConfig(
            stage_probabilities=_stage_probabilities(raw["stage_probabilities"]),
            grade_thresholds=_grade_thresholds(raw["grade_thresholds"]),
            followup_days=_followup_days(raw["followup_days"]),
            default_cycle_days=_positive_int(raw["default_cycle_days"], 90, "DEALS_DEFAULT_CYCLE_DAYS"),
            company_currency=settings.company_currency.upper(),
            business_zone=ZoneInfo(settings.company_timezone),
        )
    except DomainError as exc:
        raise ConfigError(f"deals configuration: {exc}") from exc


def _pairs(value, env: str) -> dict[str, str]:
    """``"a=1,b=2"`` or an already parsed mapping."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    pairs = {}
    for part in filter(None, (p.strip() for p in str(value).split(","))):
        key, sep, number = part.partition("=")
        if not sep:
            raise ConfigError(f"{env}: expected name=value, got {part!r}")
        pairs[key.strip()] = number.strip()
    return pairs


def _decimal(text: str, env: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"{env}: {text!r} is not a number") from None


def _stage_probabilities(value) -> StageProbabilities:
    if value in (None, ""):
        return StageProbabilities()
    env = KEYS["stage_probabilities"]
    return StageProbabilities({stage: _decimal(v, env) for stage, v in _pairs(value, env).items()})


def _grade_thresholds(value) -> GradeThresholds:
    if value in (None, ""):
        return GradeThresholds()
    env = KEYS["grade_thresholds"]
    pairs = {k.upper(): _decimal(v, env) for k, v in _pairs(value, env).items()}
    if set(pairs) != {"A", "B"}:
        raise ConfigError(f"{env}: give exactly A=... and B=...")
    return GradeThresholds(a_from=pairs["A"], b_from=pairs["B"])


def _followup_days(value) -> dict[Grade, int]:
    if value in (None, ""):
        return dict(DEFAULT_FOLLOWUP_DAYS)
    env = KEYS["followup_days"]
    days = {}
    for grade, number in _pairs(value, env).items():
        if grade.upper() not in Grade.__members__:
            raise ConfigError(f"{env}: unknown grade {grade!r}; use A, B and C")
        days[Grade(grade.upper())] = _positive_int(number, None, env)
    return {**DEFAULT_FOLLOWUP_DAYS, **days}


def _positive_int(value, default, env: str) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{env}: {value!r} is not a whole number") from None
    if number <= 0:
        raise ConfigError(f"{env} must be greater than 0")
    return number
