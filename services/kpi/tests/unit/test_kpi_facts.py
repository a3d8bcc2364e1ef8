from datetime import datetime
from decimal import Decimal as D

import pytest

from kpi.domain import facts as ft
from kpi.domain.errors import InvalidFact, TimezoneRequired
from kpi.domain.facts import Dimension, Fact, FactLine, Scope
from kpi.domain.money import EventMoney


def test_a_fact_needs_an_aware_time(at):
    with pytest.raises(TimezoneRequired):
        Fact("e1", ft.LEAD_CAPTURED, datetime(2026, 11, 1, 9, 0))
    assert Fact("e1", ft.LEAD_CAPTURED, at("2026-11-01 09:00")).fact_id == "e1"


def test_a_fact_needs_an_id_and_a_type(at):
    with pytest.raises(InvalidFact):
        Fact("", ft.LEAD_CAPTURED, at("2026-11-01 09:00"))
    with pytest.raises(InvalidFact):
        Fact("e1", "", at("2026-11-01 09:00"))


@pytest.mark.parametrize(("field", "value"), [("csat", 0), ("csat", 6), ("nps", -1),
                                              ("nps", 11)])
def test_survey_scores_out_of_range_are_refused(at, field, value):
    with pytest.raises(InvalidFact) as caught:
        Fact("e1", ft.SURVEY_ANSWERED, at("2026-11-01 09:00"), **{field: value})
    assert str(value) in caught.value.message


def test_probability_is_a_percentage(at):
    with pytest.raises(InvalidFact):
        Fact("e1", ft.DEAL_OPENED, at("2026-11-01 09:00"), probability_percent=D("100.5"))
    fact = Fact("e1", ft.DEAL_OPENED, at("2026-11-01 09:00"), probability_percent=D(100))
    assert fact.probability_percent == D(100)


def test_lines_must_add_up_to_the_order_total(at):
    lines = (FactLine("P1", EventMoney(D("60"), "CNY")), FactLine("P2", EventMoney(D("30"), "CNY")))
    with pytest.raises(InvalidFact) as caught:
        Fact("e1", ft.ORDER_CREATED, at("2026-11-01 09:00"), order_id="O1",
             amount=EventMoney(D("100"), "CNY"), lines=lines)
    assert "90" in caught.value.message and "100" in caught.value.message
    ok = Fact("e2", ft.ORDER_CREATED, at("2026-11-01 09:00"), order_id="O1",
              amount=EventMoney(D("90"), "CNY"), lines=lines, products=("P2", "P9"))
    assert ok.product_codes == ("P2", "P9", "P1")


def test_scope_filters_on_every_given_dimension(make_fact):
    fact = make_fact(ft.LEAD_CAPTURED, "2026-11-01 09:00", rep="r1", team="t1",
                     region="east", source="web", products=("P1", "P2"))
    assert Scope().matches(fact)
    assert Scope(rep="r1", team="t1", region="east", source="web", product="P2").matches(fact)
    assert not Scope(rep="r2").matches(fact)
    assert not Scope(rep="r1", region="west").matches(fact)
    assert not Scope(product="P3").matches(fact)
    assert Scope(product="P3").matches_dimensions(fact)


def test_scope_narrowed_by_a_dimension():
    scope = Scope(team="t1")
    assert scope.narrowed(Dimension.REP, "r1") == Scope(rep="r1", team="t1")
    assert scope.narrowed(Dimension.ALL, "") == scope
    assert scope.narrowed(Dimension.PRODUCT, "P1") == Scope(team="t1", product="P1")


def test_value_of_a_dimension(make_fact):
    fact = make_fact(ft.LEAD_CAPTURED, "2026-11-01 09:00", rep="r1", region="east")
    assert fact.value_of(Dimension.REP) == "r1"
    assert fact.value_of(Dimension.REGION) == "east"
    assert fact.value_of(Dimension.TEAM) is None
    with pytest.raises(ValueError):
        fact.value_of(Dimension.PRODUCT)
