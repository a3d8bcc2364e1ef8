"""Compliance rules on Chinese and English text, review sampling and scoring."""

import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from service_desk.domain.errors import InvalidConfiguration, RuleViolation, ValidationFailed
from service_desk.domain.interactions import Direction, Interaction, InteractionChannel
from service_desk.domain.qa import (
    DEFAULT_REVIEW_FORM,
    Category,
    ComplianceRule,
    MatchKind,
    Period,
    ReviewForm,
    ReviewItem,
    Severity,
    check,
    normalize_with_offsets,
    rules_from_dicts,
    sample,
    worst_severity,
)

UTC = timezone.utc


def ids(hits):
    return [hit.rule_id for hit in hits]


class TestChinese:
    @pytest.mark.parametrize("text, rule_id, category", [
        ("你是不是傻？我都说了三遍了", "abusive.zh.are_you_stupid", Category.ABUSIVE),
        ("这款理财产品保证收益，您放心", "false_promise.zh.guaranteed_return", Category.FALSE_PROMISE),
        ("跟着我们投，稳赚不赔", "false_promise.zh.sure_win", Category.FALSE_PROMISE),
        ("今天不买就后悔一辈子", "exaggerated.zh.regret_not_buying", Category.EXAGGERATED_PROMISE),
        ("再投诉的话后果自负", "threatening.zh.at_your_own_risk", Category.THREATENING),
        ("麻烦告诉我您的短信验证码", "privacy.zh.ask_password", Category.PRIVACY),
    ])
    def test_phrases_match_without_word_boundaries(self, text, rule_id, category):
        hits = check(text)
        assert ids(hits) == [rule_id]
        assert hits[0].category is category

    def test_several_hits_in_reading_order_with_positions(self):
        text = "你是不是傻，这个产品稳赚不赔"
        hits = check(text)
        assert [(h.rule_id, h.start, h.end, h.matched) for h in hits] == [
            ("abusive.zh.are_you_stupid", 0, 5, "你是不是傻"),
            ("false_promise.zh.sure_win", 10, 14, "稳赚不赔"),
        ]

    def test_spaces_between_characters_do_not_hide_a_phrase(self):
        hits = check("本产品保 证　收益")
        assert ids(hits) == ["false_promise.zh.guaranteed_return"]
        assert hits[0].matched == "保 证　收益"

    def test_traditional_characters(self):
        assert ids(check("保證收益，穩賺不賠")) == [
            "false_promise.zh.guaranteed_return", "false_promise.zh.sure_win",
        ]

    def test_id_card_number(self):
        hits = check("客户身份证号是11010519491231002X，请核对")
        assert [(h.rule_id, h.matched, h.severity) for h in hits] == [
            ("privacy.id_card_number", "11010519491231002X", Severity.HIGH),
        ]

    def test_id_card_numbers_side_by_side_are_both_found_and_longer_numbers_are_not(self):
        hits = check("110105194912310021,11010519491231002X；账号1101051949123100211")
        assert [h.matched for h in hits] == ["110105194912310021", "11010519491231002X"]


class TestLinearTimeRegex:
    """Regex rules come from supervisors: none of them may hold a worker."""

    def test_a_catastrophic_pattern_finishes_at_once_on_a_long_text(self):
        rule = ComplianceRule(id="nested", pattern="(a+)+$", category=Category.ABUSIVE,
                              severity=Severity.LOW, kind=MatchKind.REGEX)
        started = time.perf_counter()
        assert check("a" * 10_000 + "!", [rule]) == []
        assert time.perf_counter() - started < 1.0

    def test_look_around_is_refused_with_the_way_to_write_it(self):
        with pytest.raises(InvalidConfiguration, match=r"look-around is not supported.*\(\?P<hit>"):
            ComplianceRule(id="behind", pattern=r"(?<!\d)\d{6}", category=Category.PRIVACY,
                           severity=Severity.LOW, kind=MatchKind.REGEX)

    def test_a_named_hit_is_what_is_reported_not_its_context(self):
        rule = ComplianceRule(id="code", pattern=r"(?:^|\D)(?P<hit>\d{6})(?:\D|$)", category=Category.PRIVACY,
                              severity=Severity.LOW, kind=MatchKind.REGEX)
        assert [(h.start, h.end, h.matched) for h in check("验证码:123456,654321", [rule])] == [
            (4, 10, "123456"), (11, 17, "654321"),
        ]


    def test_hits_after_multibyte_text_point_at_the_right_characters(self):
        rule = ComplianceRule(id="code", pattern=r"(?:^|\D)(?P<hit>\d{6})(?:\D|$)", category=Category.PRIVACY,
                              severity=Severity.LOW, kind=MatchKind.REGEX)
        text = "ＩＤ验证码：123456，又一个😀654321"
        assert [(h.start, h.end, h.matched) for h in check(text, [rule])] == [
            (6, 12, "123456"), (17, 23, "654321"),
        ]


class TestPhraseAutomaton:
    """Phrase rules are literals found in one pass (Aho-Corasick), whatever their number."""

    @staticmethod
    def rule(pattern, *variants):
        return ComplianceRule(id="p", pattern=pattern, category=Category.FALSE_PROMISE, severity=Severity.HIGH,
                              variants=variants)

    def test_spaces_inside_chinese_do_not_hide_a_phrase_and_hits_point_at_the_original(self):
        text = "我们 保 证\n收　益,真的"
        [hit] = check(text, [self.rule("保证收益")])
        assert (hit.start, hit.end, hit.matched) == (3, 10, "保 证\n收　益")

    def test_a_variant_inside_another_is_one_hit_the_longest(self):
        hits = check("guaranteed returns!", [self.rule("guaranteed", "guaranteed returns")])
        assert [(hit.start, hit.end) for hit in hits] == [(0, 18)]

    def test_whole_words_on_either_side_and_repeated_hits(self):
        rule = self.rule("risk free")
        assert [(hit.start, hit.end) for hit in check("Risk  free, risk free.", [rule])] == [(0, 10), (12, 21)]
        assert check("asterisk free", [rule]) == [] and check("risk freedom", [rule]) == []

    def test_thousands_of_variants_in_one_rule(self):
        rule = self.rule("保证收益", *(f"承诺{number}倍" for number in range(5_000)))
        [hit] = check("客户问收益。" * 2_000 + "我承诺4999倍", [rule])
        assert hit.matched == "承诺4999倍"


class TestEnglish:
    def test_word_boundaries(self):
        assert ids(check("You idiot.")) == ["abusive.en.idiot"]
        assert check("That was an idiotic idea") == []
        assert check("idiots") == []

    def test_case_and_full_width_variants(self):
        hits = check("Listen, ＩＤＩＯＴ! Idiot!")
        assert [h.matched for h in hits] == ["ＩＤＩＯＴ", "Idiot"]

    def test_guaranteed_return(self):
        hits = check("We offer a Guaranteed Return of 12% a year.")
        assert [(h.rule_id, h.matched) for h in hits] == [("false_promise.en.guaranteed_return", "Guaranteed Return")]
        assert ids(check("guaranteed returns")) == ["false_promise.en.guaranteed_return"]

    def test_english_word_next_to_chinese(self):
        assert ids(check("你这个idiot")) == ["abusive.en.idiot"]

    def test_threat_with_a_typographic_apostrophe(self):
        assert ids(check("Cancel and you’ll regret it.")) == ["threatening.en.regret"]


class TestHits:
    def test_excerpt_is_twenty_characters_either_side_of_the_original(self):
        text = "x" * 29 + " stupid " + "y" * 29
        (hit,) = check(text)
        assert (hit.start, hit.end) == (30, 36)
        assert hit.excerpt == "x" * 19 + " stupid " + "y" * 19

    def test_excerpt_is_cut_at_the_text_edges(self):
        (hit,) = check("shut up now")
        assert hit.excerpt == "shut up now"

    def test_clean_text_has_no_hit(self):
        assert check("您好，您的订单已发货，预计三天内送达。Thank you for your patience!") == []

    def test_offsets_survive_length_changing_folds(self):
        rule = ComplianceRule("street", "straße", Category.PRIVACY, Severity.LOW)
        text = "ﬁnd STRASSE and Straße"
        hits = check(text, [rule])
        assert [h.matched for h in hits] == ["STRASSE", "Straße"]
        normalized, starts, ends = normalize_with_offsets("ﬁx")
        assert (normalized, starts, ends) == ("fix", [0, 0, 1], [1, 1, 2])

    def test_worst_severity(self):
        assert worst_severity(check("stupid, you idiot")) is Severity.HIGH
        assert worst_severity(check("stupid")) is Severity.MEDIUM
        assert worst_severity([]) is None


class TestRuleConfiguration:
    def test_custom_regex_rule(self):
        rule = ComplianceRule("rebate", r"返现\d+元", Category.FALSE_PROMISE, Severity.MEDIUM, kind=MatchKind.REGEX)
        hits = check("下单即返现２００元", [rule])  # full-width digits
        assert [h.matched for h in hits] == ["返现２００元"]

    def test_rules_from_json_round_trip(self):
        rules = rules_from_dicts([
            {"id": "r1", "pattern": "最低价", "category": "exaggerated_promise", "severity": "low"},
            {"id": "r2", "pattern": r"\bfree money\b", "category": "false_promise", "severity": "high",
             "kind": "regex"},
        ])
        assert rules_from_dicts([r.to_dict() for r in rules]) == rules
        assert ids(check("全网最低价, FREE money", rules)) == ["r1", "r2"]

    @pytest.mark.parametrize("entries, message", [
        ([{"id": "x", "pattern": "(", "category": "abusive", "severity": "low", "kind": "regex"}], "invalid regular"),
        ([{"id": "x", "pattern": "a", "category": "rude", "severity": "low"}], "'rude' is not one of"),
        ([{"id": "x", "pattern": "a", "category": "abusive"}], "needs severity"),
        ([{"id": "x", "pattern": "a", "category": "abusive", "severity": "low", "colour": 1}], "unknown"),
        ([{"id": "x", "pattern": "a", "category": "abusive", "severity": "low"}] * 2, "unique: x"),
        ([{"id": "x", "pattern": " ", "category": "abusive", "severity": "low"}], "needs an id and a pattern"),
    ])
    def test_bad_rules_are_refused(self, entries, message):
        with pytest.raises(InvalidConfiguration, match=message):
            rules_from_dicts(entries)

    def test_every_category_has_default_rules(self):
        from service_desk.domain.qa import DEFAULT_RULES
        assert {rule.category for rule in DEFAULT_RULES} == set(Category)


def interaction(number, agent, day, content="hello"):
    return Interaction.log(
        id=f"I-{number:03d}", agent_id=agent, customer_id="C-1", channel=InteractionChannel.PHONE,
        direction=Direction.OUTBOUND, started_at=datetime(2024, 6, day, 10, tzinfo=UTC),
        ended_at=datetime(2024, 6, day, 10, 5, tzinfo=UTC), content=content, recording_ref=f"rec-{number}",
    )


JUNE = Period(datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC))


class TestSampling:
    @pytest.fixture
    def logged(self):
        return [interaction(n, "alice", 1 + n % 28) for n in range(20)] + [
            interaction(100 + n, "bob", 2 + n) for n in range(2)
        ]

    def test_sample_size_per_agent(self, logged):
        chosen = sample(logged, per_agent=3, period=JUNE, seed="2024-06")
        assert len(chosen["alice"]) == 3
        assert [i.id for i in chosen["bob"]] == ["I-100", "I-101"]  # fewer than asked: all of them
        assert all(i.agent_id == "alice" for i in chosen["alice"])
        assert chosen["alice"] == sorted(chosen["alice"], key=lambda i: i.started_at)

    def test_reproducible_whatever_the_order(self, logged):
        first = sample(logged, 3, JUNE, seed="2024-06")
        again = sample(list(reversed(logged)), 3, JUNE, seed="2024-06")
        assert first == again

    def test_another_seed_draws_differently(self, logged):
        draws = {tuple(i.id for i in sample(logged, 3, JUNE, seed=seed)["alice"]) for seed in range(5)}
        assert len(draws) > 1

    def test_an_agent_draw_does_not_depend_on_other_agents(self, logged):
        alone = sample([i for i in logged if i.agent_id == "alice"], 3, JUNE, seed=7)
        assert alone["alice"] == sample(logged, 3, JUNE, seed=7)["alice"]

    def test_only_the_period_counts(self):
        logged = [interaction(1, "carol", 30), interaction(2, "carol", 1)]
        june_first_week = Period(datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 6, 8, tzinfo=UTC))
        assert [i.id for i in sample(logged, 5, june_first_week, seed=1)["carol"]] == ["I-002"]
        assert sample(logged, 5, Period(datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)), 1) == {}

    def test_period_must_be_forward(self):
        with pytest.raises(RuleViolation):
            Period(datetime(2024, 6, 2, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))


class TestInteractions:
    def test_recording_retention(self):
        logged = interaction(1, "alice", 3)
        assert logged.recording_retained_until == datetime(2024, 6, 3, 10, 5, tzinfo=UTC) + timedelta(days=180)
        assert not logged.recording_expired(datetime(2024, 11, 30, tzinfo=UTC))
        assert logged.recording_expired(datetime(2024, 11, 30, 10, 5, tzinfo=UTC))
        assert logged.duration == timedelta(minutes=5)

    def test_compliance_of_a_transcript(self):
        logged = interaction(1, "alice", 3, content="客户：太贵了。坐席：不买就后悔！")
        assert ids(logged.compliance_hits()) == ["exaggerated.zh.regret_not_buying"]

    def test_cannot_end_before_it_starts(self):
        with pytest.raises(RuleViolation):
            Interaction.log(id="I", agent_id="a", customer_id=None, channel="chat", direction="inbound",
                            started_at=datetime(2024, 6, 1, 10, tzinfo=UTC),
                            ended_at=datetime(2024, 6, 1, 9, tzinfo=UTC), content="")


class TestReviewScoring:
    def test_weighted_score(self):
        # Scored weights 90 (closing n/a); earned 10·5/5 + 20·4/5 + 25·3/5 + 25·1/1 + 10·5/5 = 76.
        result = DEFAULT_REVIEW_FORM.score(
            {"greeting": 5, "needs": 4, "accuracy": 3, "compliance": 1, "courtesy": 5, "closing": None}
        )
        assert result.score == Decimal("84.4")
        assert result.items_scored == 5 and not result.critical_failure

    def test_perfect_and_zero(self):
        form = ReviewForm((ReviewItem("a", "A", 1), ReviewItem("b", "B", 3, max_points=10)))
        assert form.score({"a": 5, "b": 10}).score == Decimal("100.0")
        assert form.score({"a": 0, "b": 0}).score == Decimal("0.0")
        # 1·2/5 + 3·7/10 = 0.4 + 2.1 = 2.5 of 4 → 62.5
        assert form.score({"a": 2, "b": 7}).score == Decimal("62.5")

    def test_a_failed_critical_item_fails_the_review(self):
        result = DEFAULT_REVIEW_FORM.score(
            {"greeting": 5, "needs": 5, "accuracy": 5, "compliance": 0, "courtesy": 5, "closing": 5}
        )
        assert result.score == Decimal("0.0") and result.critical_failure

    def test_marks_are_validated(self):
        with pytest.raises(ValidationFailed) as failure:
            DEFAULT_REVIEW_FORM.score({"greeting": 6, "needs": -1, "accuracy": 2.5, "compliance": 1,
                                       "courtesy": 5, "tone": 3})
        assert failure.value.errors == {
            "greeting": ["must be a whole number from 0 to 5"],
            "needs": ["must be a whole number from 0 to 5"],
            "accuracy": ["must be a whole number from 0 to 5"],
            "closing": ["required (null when not applicable)"],
            "tone": ["not an item of this review form"],
        }

    def test_something_must_be_scored(self):
        form = ReviewForm((ReviewItem("a", "A", 1),))
        with pytest.raises(ValidationFailed, match="at least one item"):
            form.score({"a": None})

    def test_form_rules(self):
        with pytest.raises(InvalidConfiguration):
            ReviewForm((ReviewItem("a", "A", 1), ReviewItem("a", "A again", 1)))
        with pytest.raises(InvalidConfiguration):
            ReviewItem("a", "A", 0)
