from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from leads.domain.errors import InvalidField
from leads.domain.grading import (
    DEFAULT_RULESET,
    BudgetRule,
    BudgetTier,
    Contribution,
    Grade,
    IndustryFitRule,
    IntentKeywordsRule,
    NeedFitRule,
    RuleSet,
    SourceRule,
    Thresholds,
    TimeframeRule,
    TimeframeTier,
    grade,
    override_grade,
    ruleset_from_dict,
)
from leads.domain.lead import LeadFacts, LeadSource
from leads.domain.money import Money

CAPTURED = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, same date


def facts(**overrides) -> LeadFacts:
    values = dict(lead_id="L1", source=LeadSource.IMPORT, captured_at=CAPTURED)
    values.update(overrides)
    return LeadFacts(**values)


def points(grading, rule_id):
    return next(c.points for c in grading.contributions if c.rule_id == rule_id)


def description(grading, rule_id):
    return next(c.description for c in grading.contributions if c.rule_id == rule_id)


def strong_lead() -> LeadFacts:
    return facts(
        source="referral",
        product_lines={"CRM"},
        budget=Money(Decimal("150000"), "CNY"),
        expected_purchase_by=date(2024, 3, 21),
        company_size=250,
        needs="Please send a quote, 急需采购",
    )


def test_strong_lead_scores_every_rule_and_is_high():
    result = grade(strong_lead(), DEFAULT_RULESET)
    assert result.contributions == (
        Contribution("need_fit", "wants product lines we sell: crm", 25),
        Contribution("budget", "budget 150000 CNY >= 100000 CNY", 15),
        Contribution("timeframe", "expects to buy in 20 days (within 30)", 20),
        Contribution("source", "source referral", 15),
        Contribution("company_size", "250 employees >= 200", 6),
        Contribution("intent", "buying signals in needs: 采购, 急需, quote", 15),
    )
    assert result.score == 96
    assert result.grade is Grade.HIGH
    assert result.computed_grade is Grade.HIGH
    assert result.ruleset_version == "default-1"
    assert result.overridden is False


def test_empty_lead_scores_zero_and_says_why_for_each_rule():
    result = grade(facts(), DEFAULT_RULESET)
    assert result.score == 0
    assert result.grade is Grade.LOW
    assert [c.description for c in result.contributions] == [
        "no product line of interest stated",
        "no budget stated",
        "no purchase timeframe stated",
        "source import",
        "company size unknown",
        "no buying signal in the needs text",
    ]


@pytest.mark.parametrize(
    "lead",
    [
        facts(),
        strong_lead(),
        facts(source="web_form", product_lines={"erp"}, company_size=5000),
        facts(source="trade_show", budget=Money(Decimal("20000"), "USD"), budget_rate=Decimal("7.2")),
    ],
)
def test_contributions_add_up_to_the_score(lead):
    result = grade(lead, DEFAULT_RULESET)
    assert sum(c.points for c in result.contributions) == result.score


@pytest.mark.parametrize(
    "source, score, expected",
    [
        ("web_form", 30, Grade.MEDIUM),  # 25 + 5: exactly the medium threshold
        ("social", 28, Grade.LOW),  # 25 + 3: just below
    ],
)
def test_medium_threshold_is_inclusive(source, score, expected):
    result = grade(facts(source=source, product_lines={"crm"}), DEFAULT_RULESET)
    assert (result.score, result.grade) == (score, expected)


def test_high_threshold_is_inclusive():
    # need fit 25 + referral 15 + timeframe 20 = 60
    lead = facts(source="referral", product_lines={"crm"}, expected_purchase_by=date(2024, 3, 31))
    result = grade(lead, DEFAULT_RULESET)
    assert (result.score, result.grade) == (60, Grade.HIGH)


def test_thresholds_map_scores_to_grades():
    thresholds = Thresholds(high=60, medium=30)
    assert [thresholds.grade_for(s) for s in (-5, 29, 30, 59, 60, 200)] == [
        Grade.LOW, Grade.LOW, Grade.MEDIUM, Grade.MEDIUM, Grade.HIGH, Grade.HIGH,
    ]


# --- need fit ---------------------------------------------------------------

def test_need_fit_against_our_product_lines():
    rules = RuleSet("v", Thresholds(10, 5), [NeedFitRule("fit", 20, frozenset({"crm", "erp"}))])
    hit = grade(facts(product_lines={"ERP", "hr"}), rules)
    miss = grade(facts(product_lines={"hr", "payroll"}), rules)
    assert (hit.score, description(hit, "fit")) == (20, "wants product lines we sell: erp")
    assert (miss.score, description(miss, "fit")) == (0, "no product line of interest is ours (hr, payroll)")


# --- budget -----------------------------------------------------------------

@pytest.mark.parametrize(
    "amount, expected",
    [("1000000", 25), ("999999.99", 15), ("100000", 15), ("99999.99", 5), ("10000", 5), ("9999.99", 0), ("0", 0)],
)
def test_budget_tiers(amount, expected):
    result = grade(facts(budget=Money(Decimal(amount), "CNY")), DEFAULT_RULESET)
    assert points(result, "budget") == expected


def test_budget_below_lowest_tier_is_explained():
    result = grade(facts(budget=Money(Decimal("500"), "CNY")), DEFAULT_RULESET)
    assert description(result, "budget") == "budget 500 CNY < 10000 CNY"


def test_foreign_budget_converted_with_the_rate_captured():
    lead = facts(budget=Money(Decimal("20000"), "USD"), budget_rate=Decimal("7.2"))
    result = grade(lead, DEFAULT_RULESET)
    assert points(result, "budget") == 15  # 144000 CNY
    assert description(result, "budget") == "budget 20000 USD = 144000.0 CNY at rate 7.2 >= 100000 CNY"


def test_foreign_budget_without_rate_counts_nothing():
    result = grade(facts(budget=Money(Decimal("20000"), "USD")), DEFAULT_RULESET)
    assert points(result, "budget") == 0
    assert description(result, "budget") == "budget 20000 USD has no rate to CNY, not counted"


def test_budget_tiers_are_sorted_whatever_the_config_order():
    rule = BudgetRule("b", "CNY", (BudgetTier(Decimal(10), 1), BudgetTier(Decimal(1000), 3), BudgetTier(Decimal(100), 2)))
    rules = RuleSet("v", Thresholds(10, 5), [rule])
    assert grade(facts(budget=Money(Decimal(500), "CNY")), rules).score == 2


# --- timeframe --------------------------------------------------------------

@pytest.mark.parametrize(
    "days, expected",
    [(0, 20), (30, 20), (31, 10), (90, 10), (91, 5), (180, 5), (181, 0), (-1, 0)],
)
def test_timeframe_windows(days, expected):
    lead = facts(expected_purchase_by=date(2024, 3, 1) + timedelta(days=days))
    assert points(grade(lead, DEFAULT_RULESET), "timeframe") == expected


def test_timeframe_in_the_past_is_explained():
    lead = facts(expected_purchase_by=date(2024, 2, 28))
    assert description(grade(lead, DEFAULT_RULESET), "timeframe") == "expected purchase date 2024-02-28 has passed"


def test_timeframe_counts_days_in_the_business_time_zone():
    # 17:00 UTC on 1 March is already 2 March in Shanghai: 30 days to 1 April there, 31 in UTC.
    lead = facts(captured_at=datetime(2024, 3, 1, 17, 0, tzinfo=UTC), expected_purchase_by=date(2024, 4, 1))
    in_utc = RuleSet("utc", Thresholds(60, 30), DEFAULT_RULESET.rules, timezone="UTC")
    assert points(grade(lead, DEFAULT_RULESET), "timeframe") == 20
    assert points(grade(lead, in_utc), "timeframe") == 10


def test_grading_as_of_a_later_time():
    lead = facts(expected_purchase_by=date(2024, 3, 20))
    later = datetime(2024, 3, 15, 2, 0, tzinfo=UTC)
    assert description(grade(lead, DEFAULT_RULESET, as_of=later), "timeframe") == (
        "expects to buy in 5 days (within 30)"
    )


def test_naive_as_of_is_refused():
    with pytest.raises(InvalidField) as caught:
        grade(facts(), DEFAULT_RULESET, as_of=datetime(2024, 3, 1))
    assert caught.value.field == "as_of"


# --- source, size, industry -------------------------------------------------

@pytest.mark.parametrize(
    "source, expected",
    [("referral", 15), ("trade_show", 10), ("storefront", 8), ("phone", 8), ("web_form", 5),
     ("campaign", 5), ("social", 3), ("import", 0)],
)
def test_source_weights(source, expected):
    assert points(grade(facts(source=source), DEFAULT_RULESET), "source") == expected


def test_source_not_weighted_counts_zero():
    rules = RuleSet("v", Thresholds(10, 5), [SourceRule("src", {LeadSource.REFERRAL: 9})])
    assert grade(facts(source="phone"), rules).score == 0
    assert grade(facts(source="referral"), rules).score == 9


@pytest.mark.parametrize("size, expected", [(0, 0), (49, 0), (50, 3), (199, 3), (200, 6), (999, 6), (1000, 10)])
def test_company_size_tiers(size, expected):
    assert points(grade(facts(company_size=size), DEFAULT_RULESET), "company_size") == expected


def test_industry_fit():
    rules = RuleSet("v", Thresholds(10, 5), [IndustryFitRule("ind", 7, frozenset({"retail", "manufacturing"}))])
    assert grade(facts(industry="Retail"), rules).score == 7
    assert description(grade(facts(industry="mining"), rules), "ind") == "industry mining is not a target"
    assert description(grade(facts(), rules), "ind") == "industry unknown"


# --- intent keywords --------------------------------------------------------

def intent(needs: str, **rule) -> Contribution:
    config = dict(keywords=("quote", "purchase", "报价", "采购"), points_per_match=4, max_points=10)
    config.update(rule)
    rules = RuleSet("v", Thresholds(10, 5), [IntentKeywordsRule("intent", **config)])
    return grade(facts(needs=needs), rules).contributions[0]


def test_intent_points_per_distinct_keyword():
    assert intent("need a quote").points == 4
    assert intent("quote quote quote").points == 4
    assert intent("需要报价").points == 4
    assert intent("quote and 采购").points == 8


def test_intent_points_are_capped():
    assert intent("quote, purchase, 报价, 采购").points == 10
    assert intent("quote, purchase, 报价, 采购", max_points=None).points == 16


def test_intent_latin_keywords_start_a_word():
    assert intent("send quotes please").points == 4
    assert intent("a misquote").points == 0
    assert intent("QUOTE").points == 4
    assert intent("ｑｕｏｔｅ").points == 4  # full-width, folded by NFKC


def test_intent_default_ignores_not_urgent():
    result = grade(facts(needs="不急，先了解一下"), DEFAULT_RULESET)
    assert points(result, "intent") == 0


# --- configuration from dicts -------------------------------------------------

CONFIG = {
    "version": "2024-06",
    "timezone": "Asia/Shanghai",
    "thresholds": {"high": 40, "medium": 20},
    "rules": [
        {"id": "fit", "kind": "need_fit", "points": 20, "product_lines": ["CRM", "erp"]},
        {"id": "budget", "kind": "budget", "currency": "CNY",
         "tiers": [{"min_amount": "50000", "points": 10}, {"min_amount": 500000, "points": 20}]},
        {"id": "soon", "kind": "timeframe", "tiers": [{"within_days": 14, "points": 10}]},
        {"id": "src", "kind": "source", "weights": {"referral": 15, "trade_show": 10}},
        {"id": "size", "kind": "company_size", "tiers": [{"min_employees": 100, "points": 5}]},
        {"id": "words", "kind": "intent_keywords", "keywords": ["quote"], "points_per_match": 5},
        {"id": "ind", "kind": "industry_fit", "points": 5, "industries": ["Retail"]},
    ],
}


def test_ruleset_from_dict_grades_as_configured():
    rules = ruleset_from_dict(CONFIG)
    lead = facts(source="trade_show", product_lines={"crm"}, budget=Money(Decimal("600000"), "CNY"),
                 industry="retail", needs="quote")
    result = grade(lead, rules)
    assert [(c.rule_id, c.points) for c in result.contributions] == [
        ("fit", 20), ("budget", 20), ("soon", 0), ("src", 10), ("size", 0), ("words", 5), ("ind", 5),
    ]
    assert (result.score, result.grade, result.ruleset_version) == (60, Grade.HIGH, "2024-06")


def test_ruleset_dict_round_trip():
    rules = ruleset_from_dict(CONFIG)
    assert ruleset_from_dict(rules.to_dict()) == rules
    assert ruleset_from_dict(DEFAULT_RULESET.to_dict()) == DEFAULT_RULESET


def test_timezone_defaults_to_shanghai():
    config = {k: v for k, v in CONFIG.items() if k != "timezone"}
    assert ruleset_from_dict(config).timezone == "Asia/Shanghai"


def with_rule(rule: dict) -> dict:
    return {"version": "x", "thresholds": {"high": 2, "medium": 1}, "rules": [rule]}


@pytest.mark.parametrize(
    "config, field",
    [
        ({"thresholds": {"high": 2, "medium": 1}, "rules": []}, "version"),
        ({"version": "x", "rules": []}, "thresholds"),
        ({"version": "x", "thresholds": {"high": 1, "medium": 2}, "rules": []}, "thresholds.high"),
        ({"version": "x", "thresholds": {"high": 2, "medium": 1, "low": 0}, "rules": []}, "thresholds.low"),
        ({"version": "x", "thresholds": {"high": 2, "medium": 1}}, "rules"),
        ({"version": "x", "thresholds": {"high": 2, "medium": 1}, "rules": {}}, "rules"),
        ({"version": "x", "thresholds": {"high": 2, "medium": 1}, "rules": [], "extra": 1}, "extra"),
        ({"version": "x", "thresholds": {"high": 2, "medium": 1}, "rules": [], "timezone": "Mars/Base"}, "timezone"),
        (with_rule({"id": "a", "kind": "magic"}), "rules[0].kind"),
        (with_rule({"kind": "need_fit", "points": 1}), "rules[0].id"),
        (with_rule({"id": "a", "kind": "need_fit", "points": 1.5}), "rules[0].points"),
        (with_rule({"id": "a", "kind": "need_fit", "points": True}), "rules[0].points"),
        (with_rule({"id": "a", "kind": "need_fit", "points": 1, "pionts": 2}), "rules[0].pionts"),
        (with_rule({"id": "a", "kind": "budget", "currency": "cny", "tiers": [{"min_amount": "1", "points": 1}]}),
         "rules[0].currency"),
        (with_rule({"id": "a", "kind": "budget", "currency": "CNY", "tiers": [{"min_amount": 1.5, "points": 1}]}),
         "rules[0].tiers[0].min_amount"),
        (with_rule({"id": "a", "kind": "budget", "currency": "CNY", "tiers": [{"min_amount": "x", "points": 1}]}),
         "rules[0].tiers[0].min_amount"),
        (with_rule({"id": "a", "kind": "budget", "currency": "CNY", "tiers": []}), "rules[0].tiers"),
        (with_rule({"id": "a", "kind": "budget", "currency": "CNY",
                    "tiers": [{"min_amount": "1", "points": 1}, {"min_amount": 1, "points": 2}]}),
         "rules[0].tiers[1].min_amount"),
        (with_rule({"id": "a", "kind": "timeframe", "tiers": [{"within_days": -1, "points": 1}]}),
         "rules[0].tiers[0].within_days"),
        (with_rule({"id": "a", "kind": "source", "weights": {"fax": 3}}), "rules[0].weights.fax"),
        (with_rule({"id": "a", "kind": "intent_keywords", "keywords": "quote", "points_per_match": 1}),
         "rules[0].keywords"),
        (with_rule({"id": "a", "kind": "intent_keywords", "keywords": [""], "points_per_match": 1}),
         "rules[0].keywords[0]"),
        (with_rule({"id": "a", "kind": "industry_fit", "points": 1}), "rules[0].industries"),
        ({"version": "x", "thresholds": {"high": 2, "medium": 1},
          "rules": [{"id": "a", "kind": "need_fit", "points": 1}, {"id": "a", "kind": "need_fit", "points": 2}]},
         "rules[1].id"),
        ([], "config"),
    ],
)
def test_bad_config_names_the_field(config, field):
    with pytest.raises(InvalidField) as caught:
        ruleset_from_dict(config)
    assert caught.value.field == field


def test_timeframe_rule_tiers_sorted():
    rule = TimeframeRule("t", (TimeframeTier(90, 1), TimeframeTier(7, 9)))
    assert rule.tiers == (TimeframeTier(7, 9), TimeframeTier(90, 1))


# --- override -----------------------------------------------------------------

AT = datetime(2024, 3, 2, 9, 0, tzinfo=UTC)


def test_supervisor_override_keeps_the_computed_grade():
    computed = grade(facts(), DEFAULT_RULESET)
    result = override_grade(computed, "high", reason="CEO referral, met at the expo", by="sup-7", at=AT)
    assert result.grade is Grade.HIGH
    assert result.computed_grade is Grade.LOW
    assert result.score == 0
    assert result.contributions == computed.contributions
    assert result.overridden is True
    assert (result.override.previous_grade, result.override.reason, result.override.by, result.override.at) == (
        Grade.LOW, "CEO referral, met at the expo", "sup-7", AT,
    )
    assert computed.overridden is False  # the original is untouched


def test_second_override_records_the_grade_it_replaced():
    first = override_grade(grade(facts(), DEFAULT_RULESET), Grade.HIGH, reason="r1", by="s1", at=AT)
    second = override_grade(first, Grade.MEDIUM, reason="r2", by="s2", at=AT + timedelta(hours=1))
    assert (second.grade, second.computed_grade, second.override.previous_grade) == (
        Grade.MEDIUM, Grade.LOW, Grade.HIGH,
    )


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(new_grade="top", reason="r", by="s", at=AT), "grade"),
        (dict(new_grade="high", reason="  ", by="s", at=AT), "reason"),
        (dict(new_grade="high", reason="r", by="", at=AT), "by"),
        (dict(new_grade="high", reason="r", by="s", at=datetime(2024, 3, 2)), "at"),
    ],
)
def test_override_needs_grade_reason_who_and_aware_time(kwargs, field):
    with pytest.raises(InvalidField) as caught:
        override_grade(grade(facts(), DEFAULT_RULESET), **kwargs)
    assert caught.value.field == field
