"""FAQ search: Chinese bigrams, English words, ranking by weighted matched terms."""

import pytest

from service_desk.domain.faq import FaqEntry, search, terms

ENTRIES = [
    FaqEntry("returns", "如何申请退货？", "在订单页面点击申请退货，7天内可无理由退货。", ("退货", "退款")),
    FaqEntry("invoice", "发票怎么开？", "下单后在订单详情中申请电子发票。", ("发票",)),
    FaqEntry("refund", "How do I get a refund?", "Refunds go back to the original payment method within 7 days.",
             ("refund", "money back")),
    FaqEntry("delivery", "Where is my delivery?", "Track the delivery on your order page.", ("shipping", "tracking")),
]


def ranking(query, entries=ENTRIES, limit=5):
    return [(match.entry.id, match.score) for match in search(query, entries, limit)]


class TestTerms:
    def test_chinese_bigrams_without_filler(self):
        assert terms("怎么退货") == ["么退", "退货"]

    def test_mixed_text(self):
        assert terms("iPhone 怎么申请退款?") == ["iphone", "么申", "申请", "请退", "退款"]

    def test_english_words_lightly_singularised(self):
        assert terms("How do I get REFUNDS for my orders?") == ["get", "refund", "order"]

    def test_single_character_and_full_width(self):
        assert terms("Ｗｉ-Ｆｉ 卡") == ["wi", "fi", "卡"]


class TestSearch:
    def test_chinese_query(self):
        # 退货 is a keyword of "returns" (3); 么退 appears nowhere.
        assert ranking("怎么退货") == [("returns", 3)]

    def test_question_and_answer_weights(self):
        # 订单 is in the answers of both Chinese entries (1 each); 发票 is a keyword of "invoice" (3),
        # 申请 in "returns"' question (2) and "invoice"'s answer (1).
        assert ranking("订单发票申请") == [("invoice", 5), ("returns", 3)]

    def test_english_query(self):
        # refund: keyword (3); order: only in the delivery answer (1).
        assert ranking("refunds for my order") == [("refund", 3), ("delivery", 1)]

    def test_matched_terms_are_reported(self):
        (match,) = search("where is my delivery", ENTRIES)
        assert match.matched_terms == ("delivery",)
        assert match.score == 2  # in the question, not among the keywords

    def test_ties_go_to_more_terms_then_to_the_earlier_entry(self):
        entries = [
            FaqEntry("one", "alpha", "", ("beta",)),           # alpha 2 + beta 3 = 5
            FaqEntry("two", "gamma beta", "alpha"),             # alpha 1 + beta 2 = 3 with two terms
            FaqEntry("three", "x", "", ("beta",)),              # 3, later than "one"
        ]
        assert ranking("alpha beta", entries) == [("one", 5), ("two", 3), ("three", 3)]

    def test_limit(self):
        assert len(search("订单", ENTRIES, limit=1)) == 1

    @pytest.mark.parametrize("query", ["", "怎么", "how do I", "weather tomorrow"])
    def test_nothing_to_match(self, query):
        assert search(query, ENTRIES) == []
