"""Satisfaction surveys: one per delivered order (and one per resolved complaint),
answered through a single-use link.

The link carries a random token (``secrets.token_urlsafe(32)``, 256 bits). Only
its SHA-256 hash is stored, so a leaked database cannot be used to answer
other people's surveys; the plain token exists once, in the message sent to
the customer. (A fast hash is enough: the token is random, not a password.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from collections.abc import Mapping

from .errors import AlreadyAnswered, IllegalTransition, InvalidToken, RuleViolation, SurveyExpired, ValidationFailed

TOKEN_BYTES = 32
COMMENT_MAX_LENGTH = 2000
CSAT_RANGE = range(1, 6)
NPS_RANGE = range(0, 11)


class NpsCategory(StrEnum):
    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


def nps_category(score: int) -> NpsCategory:
    if score not in NPS_RANGE:
        raise RuleViolation(f"an NPS score is 0 to 10, got {score}")
    if score >= 9:
        return NpsCategory.PROMOTER
    if score >= 7:
        return NpsCategory.PASSIVE
    return NpsCategory.DETRACTOR


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The form in which a token is stored and looked up (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SurveySettings:
    expires_after: timedelta = timedelta(days=30)
    remind_after: timedelta = timedelta(days=3)

    def __post_init__(self) -> None:
        if self.expires_after <= timedelta(0) or self.remind_after <= timedelta(0):
            raise RuleViolation("survey expiry and reminder delays must be positive")
        if self.remind_after >= self.expires_after:
            raise RuleViolation("the reminder must come before the survey expires")


@dataclass(frozen=True)
class SurveyAnswer:
    csat: int
    nps: int
    comment: str

    @property
    def nps_category(self) -> NpsCategory:
        return nps_category(self.nps)


def validate_answer(raw: Mapping[str, Any]) -> SurveyAnswer:
    """Check a submitted answer; raise ValidationFailed with a message per field.

    csat (1-5) and nps (0-10) are required whole numbers; comment is optional,
    at most 2000 characters after trimming. Unknown fields are refused.
    """
    errors: dict[str, list[str]] = {}
    for name in sorted(set(raw) - {"csat", "nps", "comment"}):
        errors[name] = ["unknown field"]
    csat = _score(raw, "csat", CSAT_RANGE, errors)
    nps = _score(raw, "nps", NPS_RANGE, errors)
    comment = raw.get("comment") or ""
    if not isinstance(comment, str):
        errors["comment"] = ["must be text"]
    elif len(comment.strip()) > COMMENT_MAX_LENGTH:
        errors["comment"] = [f"must be at most {COMMENT_MAX_LENGTH} characters"]
    if errors:
        raise ValidationFailed(errors)
    assert csat is not None and nps is not None
    return SurveyAnswer(csat=csat, nps=nps, comment=comment.strip())


@dataclass
class Survey:
    """About one delivered order or one resolved ticket (exactly one of the two)."""

    id: str
    order_id: str | None
    customer_id: str
    token_hash: str
    sent_at: datetime
    expires_at: datetime
    remind_after: timedelta
    reminded_at: datetime | None = None
    answered_at: datetime | None = None
    answer: SurveyAnswer | None = None
    ticket_id: str | None = None

    def __post_init__(self) -> None:
        if (self.order_id is None) == (self.ticket_id is None):
            raise RuleViolation("a survey is about one delivered order or one resolved ticket")

    @classmethod
    def issue(
        cls,
        *,
        id: str,
        order_id: str | None = None,
        customer_id: str,
        sent_at: datetime,
        settings: SurveySettings | None = None,
        ticket_id: str | None = None,
    ) -> tuple[Survey, str]:
        """A new survey and its plain token: put the token in the link, never store it."""
        _require_aware(sent_at)
        settings = settings or SurveySettings()
        token = new_token()
        survey = cls(
            id=id,
            order_id=order_id,
            customer_id=customer_id,
            token_hash=hash_token(token),
            sent_at=sent_at,
            expires_at=sent_at + settings.expires_after,
            remind_after=settings.remind_after,
            ticket_id=ticket_id,
        )
        return survey, token

    def accepts(self, token: str) -> bool:
        return hmac.compare_digest(hash_token(token), self.token_hash)

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def submit(self, token: str, raw_answer: Mapping[str, Any], now: datetime) -> SurveyAnswer:
        """Answer the survey once; the checks run from the least to the most revealing."""
        _require_aware(now)
        if not self.accepts(token):
            raise InvalidToken("this survey link is not valid")
        if self.is_answered:
            raise AlreadyAnswered("this survey has already been answered, thank you")
        if self.is_expired(now):
            raise SurveyExpired("this survey link has expired")
        answer = validate_answer(raw_answer)
        self.answer, self.answered_at = answer, now
        return answer

    def reminder_due(self, now: datetime) -> bool:
        """One reminder, after the delay, only while unanswered and still open."""
        return (
            not self.is_answered
            and self.reminded_at is None
            and not self.is_expired(now)
            and now >= self.sent_at + self.remind_after
        )

    def mark_reminded(self, now: datetime) -> None:
        if not self.reminder_due(now):
            raise IllegalTransition(f"survey {self.id} is not due a reminder")
        self.reminded_at = now

    def remind(self, now: datetime) -> str:
        """Mark the one reminder and give a fresh token for its link.

        Only hashes are kept, so the first link's token cannot be sent again;
        the caller stores the new token's hash next to the first one, and
        either link answers the survey (once).
        """
        self.mark_reminded(now)
        return new_token()


def _score(raw: Mapping[str, Any], name: str, allowed: range, errors: dict[str, list[str]]) -> int | None:
    message = f"must be a whole number from {allowed.start} to {allowed.stop - 1}"
    if raw.get(name) is None:
        errors[name] = ["required"]
        return None
    value: object = raw[name]
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        errors[name] = [message]
        return None
    return value


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleViolation("times must be time zone aware datetimes")
