from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from deals.domain.errors import RuleViolation
from deals.domain.forecast import ForecastDeal, PipelineFigure, StageFigure, forecast
from deals.domain.stages import Stage

USD_RATE = Decimal("7.1234")  # CNY per USD
AS_OF = date(2025, 4, 1)


def deal(id, rep, team, region, stage, amount, currency, rate, probability, close):
    return ForecastDeal(id, rep, team, region, stage, Decimal(amount), currency, rate,
                        Decimal(probability), close)


def known_deals():
    return [
        deal("D1", "r1", "east", "shanghai", Stage.PROPOSAL, "100000.00", "CNY", Decimal(1), "40", date(2025, 4, 15)),
        deal("D2", "r1", "east", "shanghai", Stage.NEGOTIATION, "20000.00", "USD", USD_RATE, "75", date(2025, 5, 10)),
        deal("D3", "r2", "east", "beijing", Stage.QUALIFICATION, "5000.50", "USD", USD_RATE, "10", date(2025, 4, 30)),
        deal("D4", "r3", "west", "chengdu", Stage.CONTRACT_REVIEW, "80000", "CNY", Decimal(1), "80", date(2025, 3, 20)),
        deal("D5", "r2", "east", "beijing", Stage.WON, "50000", "CNY", Decimal(1), "100", date(2025, 3, 1)),
        deal("D6", "r3", "west", "chengdu", Stage.LOST, "3000", "USD", USD_RATE, "0", date(2025, 3, 15)),
    ]


# Converted amounts (CNY):
#   D1 100000.00                                  weighted x40% = 40000.00
#   D2 20000 x 7.1234 = 142468.00                 weighted x75% = 106851.00
#   D3 5000.50 x 7.1234 = 35620.5617 -> 35620.56  weighted x10% = 3562.056 -> 3562.06
#   D4 80000.00                                   weighted x80% = 64000.00
#   D5 won 50000.00, D6 lost 3000 x 7.1234 = 21370.20 (not in pipeline)

def test_pipeline_totals_in_company_currency():
    result = forecast(known_deals(), AS_OF, company_currency="CNY")
    assert result.company_currency == "CNY" and result.as_of == AS_OF
    assert result.pipeline == PipelineFigure(4, Decimal("358088.56"), Decimal("214413.06"))
    assert result.unweighted_total == Decimal("358088.56")
    assert result.weighted_total == Decimal("214413.06")


def test_grouped_by_expected_close_month():
    months = forecast(known_deals(), AS_OF, company_currency="CNY").groups["month"]
    assert months == {
        "2025-03": PipelineFigure(1, Decimal("80000.00"), Decimal("64000.00")),
        "2025-04": PipelineFigure(2, Decimal("135620.56"), Decimal("43562.06")),
        "2025-05": PipelineFigure(1, Decimal("142468.00"), Decimal("106851.00")),
    }
    assert list(months) == ["2025-03", "2025-04", "2025-05"]


def test_grouped_by_rep_team_and_region():
    groups = forecast(known_deals(), AS_OF, company_currency="CNY").groups
    assert groups["rep"] == {
        "r1": PipelineFigure(2, Decimal("242468.00"), Decimal("146851.00")),
        "r2": PipelineFigure(1, Decimal("35620.56"), Decimal("3562.06")),
        "r3": PipelineFigure(1, Decimal("80000.00"), Decimal("64000.00")),
    }
    assert groups["team"] == {
        "east": PipelineFigure(3, Decimal("278088.56"), Decimal("150413.06")),
        "west": PipelineFigure(1, Decimal("80000.00"), Decimal("64000.00")),
    }
    assert groups["region"] == {
        "beijing": PipelineFigure(1, Decimal("35620.56"), Decimal("3562.06")),
        "chengdu": PipelineFigure(1, Decimal("80000.00"), Decimal("64000.00")),
        "shanghai": PipelineFigure(2, Decimal("242468.00"), Decimal("146851.00")),
    }


def test_every_grouping_adds_up_to_the_totals():
    result = forecast(known_deals(), AS_OF, company_currency="CNY")
    for figures in result.groups.values():
        assert sum(f.weighted for f in figures.values()) == result.weighted_total
        assert sum(f.amount for f in figures.values()) == result.unweighted_total


def test_count_and_amount_per_stage_include_won_and_lost():
    by_stage = forecast(known_deals(), AS_OF, company_currency="CNY").by_stage
    assert by_stage == {
        Stage.QUALIFICATION: StageFigure(1, Decimal("35620.56")),
        Stage.NEEDS_ANALYSIS: StageFigure(0, Decimal("0.00")),
        Stage.PROPOSAL: StageFigure(1, Decimal("100000.00")),
        Stage.NEGOTIATION: StageFigure(1, Decimal("142468.00")),
        Stage.CONTRACT_REVIEW: StageFigure(1, Decimal("80000.00")),
        Stage.WON: StageFigure(1, Decimal("50000.00")),
        Stage.LOST: StageFigure(1, Decimal("21370.20")),
    }


def test_overdue_open_deals_are_reported():
    result = forecast(known_deals(), AS_OF, company_currency="CNY")
    assert result.overdue == PipelineFigure(1, Decimal("80000.00"), Decimal("64000.00"))
    later = forecast(known_deals(), date(2025, 5, 1), company_currency="CNY")
    # D1 (15 Apr), D3 (30 Apr) and D4 (20 Mar) have slipped by 1 May.
    assert later.overdue == PipelineFigure(3, Decimal("215620.56"), Decimal("107562.06"))


def test_currencies_are_never_added_unconverted():
    # The raw amounts 100000 CNY + 20000 USD would make 120000; converted they make 242468.00.
    result = forecast(known_deals()[:2], AS_OF, ["rep"], company_currency="CNY")
    assert result.groups["rep"]["r1"].amount == Decimal("242468.00")


def test_company_currency_can_be_usd_with_inverse_rates():
    deals = [
        deal("A", "r1", "t", "g", Stage.PROPOSAL, "1000.00", "USD", Decimal(1), "40", date(2025, 4, 1)),
        # 7123.40 CNY x 0.1404 = 1000.1254 -> 1000.13 ; x 60% = 600.078 -> 600.08
        deal("B", "r1", "t", "g", Stage.NEGOTIATION, "7123.40", "CNY", Decimal("0.1404"), "60", date(2025, 4, 9)),
    ]
    result = forecast(deals, AS_OF, company_currency="USD")
    assert result.pipeline == PipelineFigure(2, Decimal("2000.13"), Decimal("1000.08"))


def test_jpy_company_currency_rounds_to_whole_yen():
    deals = [deal("A", "r1", "t", "g", Stage.PROPOSAL, "333.33", "USD", Decimal("151.5"), "35", date(2025, 4, 1))]
    # 333.33 x 151.5 = 50499.495 -> 50499 ; x 35% = 17674.65 -> 17675
    result = forecast(deals, AS_OF, company_currency="JPY")
    assert result.pipeline == PipelineFigure(1, Decimal("50499"), Decimal("17675"))


def test_group_by_selects_dimensions():
    result = forecast(known_deals(), AS_OF, ("team", "month", "team"), company_currency="CNY")
    assert list(result.groups) == ["team", "month"]
    assert list(forecast(known_deals(), AS_OF, "region", company_currency="CNY").groups) == ["region"]
    assert forecast(known_deals(), AS_OF, (), company_currency="CNY").groups == {}


def test_unknown_dimension_is_refused():
    with pytest.raises(RuleViolation, match="cannot group by product") as caught:
        forecast(known_deals(), AS_OF, ["product"], company_currency="CNY")
    assert caught.value.field == "group_by"


def test_empty_forecast_is_all_zero():
    result = forecast([], AS_OF, company_currency="CNY")
    assert result.pipeline == PipelineFigure(0, Decimal("0.00"), Decimal("0.00"))
    assert all(figure.count == 0 for figure in result.by_stage.values())
    assert result.groups == {"month": {}, "rep": {}, "team": {}, "region": {}}


def test_same_currency_deal_must_have_rate_one():
    bad = deal("X", "r1", "t", "g", Stage.PROPOSAL, "10", "CNY", Decimal("7"), "40", date(2025, 4, 1))
    with pytest.raises(RuleViolation, match="must be 1"):
        forecast([bad], AS_OF, company_currency="CNY")


@pytest.mark.parametrize("rate", [Decimal(0), Decimal("-7.1")])
def test_rate_must_be_positive(rate):
    bad = deal("X", "r1", "t", "g", Stage.PROPOSAL, "10", "USD", rate, "40", date(2025, 4, 1))
    with pytest.raises(RuleViolation, match="fx_rate of deal X must be greater than 0"):
        forecast([bad], AS_OF, company_currency="CNY")


def test_duplicate_deal_is_refused():
    deals = known_deals()
    with pytest.raises(RuleViolation, match="deal D1 appears twice"):
        forecast([*deals, deals[0]], AS_OF, company_currency="CNY")


def test_record_validation():
    with pytest.raises(RuleViolation, match="must be a Decimal"):
        ForecastDeal("X", "r", "t", "g", Stage.PROPOSAL, 10.5, "CNY", Decimal(1), Decimal(40), date(2025, 4, 1))
    with pytest.raises(RuleViolation, match="cannot be negative"):
        deal("X", "r", "t", "g", Stage.PROPOSAL, "-1", "CNY", Decimal(1), "40", date(2025, 4, 1))
    with pytest.raises(RuleViolation, match="between 0 and 100"):
        deal("X", "r", "t", "g", Stage.PROPOSAL, "1", "CNY", Decimal(1), "140", date(2025, 4, 1))
    with pytest.raises(RuleViolation, match="team is required"):
        deal("X", "r", "", "g", Stage.PROPOSAL, "1", "CNY", Decimal(1), "40", date(2025, 4, 1))
    assert deal("X", "r", "t", "g", "won", "1", "cny", Decimal(1), "40", date(2025, 4, 1)).stage is Stage.WON


def test_as_of_must_be_a_date():
    with pytest.raises(RuleViolation, match="calendar date"):
        forecast([], datetime(2025, 4, 1, tzinfo=timezone.utc), company_currency="CNY")
