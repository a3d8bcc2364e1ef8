"""DEALS_* configuration: parsed once, refused loudly when wrong."""
from datetime import timedelta
from decimal import Decimal

import pytest

from deals.config import load_config
from deals.domain import Grade, Stage
from salesloop.config import ConfigError, load_settings


def settings(**extra):
    return load_settings("deals", database_url="sqlite://", bus_url="memory://", extra=extra)


def test_defaults(monkeypatch):
    for name in ("DEALS_STAGE_PROBABILITIES", "DEALS_GRADE_THRESHOLDS", "DEALS_FOLLOWUP_DAYS", "DEALS_DEFAULT_CYCLE_DAYS"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(settings())
    assert config.stage_probabilities.for_stage(Stage.PROPOSAL) == Decimal(40)
    assert (config.grade_thresholds.a_from, config.grade_thresholds.b_from) == (Decimal(70), Decimal(30))
    assert config.followup_interval(Grade.A) == timedelta(days=2)
    assert config.default_cycle_days == 90 and config.company_currency == "CNY"
    assert str(config.business_zone) == "Asia/Shanghai"


def test_environment_variables(monkeypatch):
    monkeypatch.setenv("DEALS_GRADE_THRESHOLDS", "a=60, b=20")
    monkeypatch.setenv("DEALS_FOLLOWUP_DAYS", "A=1")
    monkeypatch.setenv("DEALS_DEFAULT_CYCLE_DAYS", "45")
    monkeypatch.setenv("DEALS_STAGE_PROBABILITIES",
                       "qualification=5,needs_analysis=10,proposal=35,negotiation=55,contract_review=85")
    config = load_config(settings())
    assert config.grade_thresholds.grade(Decimal(60)) is Grade.A and config.grade_thresholds.grade(Decimal(19)) is Grade.C
    assert config.followup_days == {Grade.A: 1, Grade.B: 5, Grade.C: 10}
    assert config.default_cycle_days == 45
    assert config.stage_probabilities.for_stage("contract_review") == Decimal(85)


@pytest.mark.parametrize("extra, message", [
    ({"grade_thresholds": "A=30,B=70"}, "the A threshold must be above the B threshold"),
    ({"grade_thresholds": "A=70"}, "give exactly A=... and B=..."),
    ({"grade_thresholds": "A=high,B=30"}, "'high' is not a number"),
    ({"stage_probabilities": "qualification=50,needs_analysis=20,proposal=40,negotiation=60,contract_review=80"},
     "needs_analysis (20) cannot be less likely than qualification (50)"),
    ({"stage_probabilities": "qualification=10"}, "no probability for stage(s)"),
    ({"followup_days": "D=3"}, "unknown grade 'D'"),
    ({"followup_days": "A=0"}, "must be greater than 0"),
    ({"default_cycle_days": "soon"}, "is not a whole number"),
])
def test_wrong_settings_are_refused_at_start(extra, message):
    with pytest.raises(ConfigError, match=None) as error:
        load_config(settings(**extra))
    assert message in str(error.value)
