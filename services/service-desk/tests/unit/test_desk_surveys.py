"""Satisfaction surveys: token rules, answer validation, expiry, reminders, NPS."""

import hashlib
from dataclasses import astuple
from datetime import datetime, timedelta, timezone

import pytest

from service_desk.domain.errors import (
    AlreadyAnswered,
    IllegalTransition,
    InvalidToken,
    RuleViolation,
    SurveyExpired,
    ValidationFailed,
)
from service_desk.domain.surveys import (
    NpsCategory,
    Survey,
    SurveyAnswer,
    SurveySettings,
    hash_token,
    nps_category,
    validate_answer,
)

SENT = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
GOOD = {"csat": 4, "nps": 9, "comment": "  Fast delivery.  "}


def issue(settings=None):
    return Survey.issue(id="S-1", order_id="O-1", customer_id="C-1", sent_at=SENT, settings=settings)


class TestTokens:
    def test_only_the_hash_is_stored(self):
        survey, token = issue()
        assert len(token) == 43  # 32 random bytes, URL-safe base64 without padding
        assert survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in [str(value) for value in astuple(survey)]

    def test_every_survey_gets_its_own_token(self):
        (first, token_1), (second, token_2) = issue(), issue()
        assert token_1 != token_2 and first.token_hash != second.token_hash

    def test_hash_is_hex_sha256(self):
        assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    def test_wrong_token_is_refused(self):
        survey, token = issue()
        with pytest.raises(InvalidToken):
            survey.submit(token[:-1] + ("A" if token[-1] != "A" else "B"), GOOD, SENT + timedelta(hours=1))
        assert not survey.is_answered


class TestAnswering:
    def test_a_valid_answer(self):
        survey, token = issue()
        answer = survey.submit(token, GOOD, SENT + timedelta(days=2))
        assert answer == SurveyAnswer(csat=4, nps=9, comment="Fast delivery.")
        assert answer.nps_category is NpsCategory.PROMOTER
        assert survey.answered_at == SENT + timedelta(days=2) and survey.answer == answer

    def test_a_second_answer_is_refused(self):
        survey, token = issue()
        survey.submit(token, GOOD, SENT + timedelta(days=1))
        with pytest.raises(AlreadyAnswered):
            survey.submit(token, {"csat": 1, "nps": 0}, SENT + timedelta(days=2))
        assert survey.answer.csat == 4

    def test_expiry_after_30_days(self):
        survey, token = issue()
        assert survey.expires_at == datetime(2024, 5, 31, 8, 0, tzinfo=timezone.utc)
        with pytest.raises(SurveyExpired):
            survey.submit(token, GOOD, survey.expires_at)
        assert survey.submit(token, GOOD, survey.expires_at - timedelta(seconds=1)).csat == 4

    def test_configurable_expiry(self):
        survey, token = issue(SurveySettings(expires_after=timedelta(days=7), remind_after=timedelta(days=2)))
        with pytest.raises(SurveyExpired):
            survey.submit(token, GOOD, SENT + timedelta(days=7, minutes=1))

    def test_a_bad_answer_leaves_the_survey_open(self):
        survey, token = issue()
        with pytest.raises(ValidationFailed):
            survey.submit(token, {"csat": 9, "nps": 9}, SENT + timedelta(days=1))
        assert not survey.is_answered
        assert survey.submit(token, GOOD, SENT + timedelta(days=1)).nps == 9


class TestValidation:
    @pytest.mark.parametrize("raw, field, message", [
        ({"csat": 0, "nps": 5}, "csat", "must be a whole number from 1 to 5"),
        ({"csat": 6, "nps": 5}, "csat", "must be a whole number from 1 to 5"),
        ({"csat": "5", "nps": 5}, "csat", "must be a whole number from 1 to 5"),
        ({"csat": 3.5, "nps": 5}, "csat", "must be a whole number from 1 to 5"),
        ({"csat": True, "nps": 5}, "csat", "must be a whole number from 1 to 5"),
        ({"nps": 5}, "csat", "required"),
        ({"csat": 3, "nps": 11}, "nps", "must be a whole number from 0 to 10"),
        ({"csat": 3, "nps": -1}, "nps", "must be a whole number from 0 to 10"),
        ({"csat": 3, "nps": None}, "nps", "required"),
        ({"csat": 3, "nps": 5, "comment": "x" * 2001}, "comment", "must be at most 2000 characters"),
        ({"csat": 3, "nps": 5, "comment": 42}, "comment", "must be text"),
        ({"csat": 3, "nps": 5, "score": 1}, "score", "unknown field"),
    ])
    def test_field_messages(self, raw, field, message):
        with pytest.raises(ValidationFailed) as failure:
            validate_answer(raw)
        assert failure.value.errors == {field: [message]}

    def test_every_bad_field_is_reported_at_once(self):
        with pytest.raises(ValidationFailed) as failure:
            validate_answer({"csat": 0, "nps": 12, "comment": "x" * 2001})
        assert set(failure.value.errors) == {"csat", "nps", "comment"}
        assert isinstance(failure.value, RuleViolation)

    def test_limits_are_inclusive(self):
        assert validate_answer({"csat": 1, "nps": 0}) == SurveyAnswer(1, 0, "")
        assert validate_answer({"csat": 5, "nps": 10, "comment": "y" * 2000}).comment == "y" * 2000


class TestReminders:
    def test_one_reminder_after_three_days(self):
        survey, _ = issue()
        assert not survey.reminder_due(SENT + timedelta(days=3) - timedelta(seconds=1))
        assert survey.reminder_due(SENT + timedelta(days=3))
        survey.mark_reminded(SENT + timedelta(days=3, hours=1))
        assert not survey.reminder_due(SENT + timedelta(days=10))

    def test_never_twice(self):
        survey, _ = issue()
        survey.mark_reminded(SENT + timedelta(days=4))
        with pytest.raises(IllegalTransition):
            survey.mark_reminded(SENT + timedelta(days=5))

    def test_never_after_an_answer(self):
        survey, token = issue()
        survey.submit(token, GOOD, SENT + timedelta(days=1))
        assert not survey.reminder_due(SENT + timedelta(days=4))

    def test_never_after_expiry(self):
        survey, _ = issue()
        assert not survey.reminder_due(SENT + timedelta(days=30))

    def test_configurable_delay(self):
        survey, _ = issue(SurveySettings(remind_after=timedelta(days=5)))
        assert not survey.reminder_due(SENT + timedelta(days=4))
        assert survey.reminder_due(SENT + timedelta(days=5))

    def test_reminder_must_precede_expiry(self):
        with pytest.raises(RuleViolation, match="before the survey expires"):
            SurveySettings(expires_after=timedelta(days=3), remind_after=timedelta(days=3))


@pytest.mark.parametrize("score, category", [
    (0, NpsCategory.DETRACTOR), (6, NpsCategory.DETRACTOR), (7, NpsCategory.PASSIVE),
    (8, NpsCategory.PASSIVE), (9, NpsCategory.PROMOTER), (10, NpsCategory.PROMOTER),
])
def test_nps_categories(score, category):
    assert nps_category(score) is category


def test_nps_category_out_of_range():
    with pytest.raises(RuleViolation):
        nps_category(11)
