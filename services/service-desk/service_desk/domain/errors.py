"""The service desk's domain errors.

Each carries a human-readable ``message`` and a stable ``code`` that the web
layer can put in a problem+json ``type``. Suggested mapping: IllegalTransition,
AlreadyExists and AlreadyAnswered → 409, RuleViolation (with ValidationFailed's field
messages) → 422, InvalidToken and UnknownRecord → 404, SurveyExpired → 410.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    """The ticket (or survey, task…) is not in a state that allows this move."""

    code = "illegal_transition"


class RuleViolation(DomainError):
    """The move is allowed, but the values given break a business rule."""

    code = "rule_violation"


class ValidationFailed(RuleViolation):
    """Input with field-level messages, e.g. ``{"csat": ["must be an integer from 1 to 5"]}``."""

    code = "validation_failed"

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        summary = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in self.errors.items())
        super().__init__(f"invalid input — {summary}")

    @property
    def problem_extra(self) -> dict[str, dict[str, list[str]]]:
        """The field messages, for the web layer's problem document."""
        return {"errors": self.errors}


class InvalidConfiguration(RuleViolation):
    """A policy, rule set or schedule was configured in a way that cannot work."""

    code = "invalid_configuration"


class UnknownRecord(DomainError):
    """No ticket, survey, rule… with that id (or none the caller may see)."""

    code = "unknown_record"


class AlreadyExists(DomainError):
    """A record with that business key exists already (a rule id, a FAQ entry…)."""

    code = "already_exists"


class InvalidToken(DomainError):
    """A survey link token that does not belong to the survey (or to any survey)."""

    code = "invalid_token"


class SurveyExpired(DomainError):
    code = "survey_expired"


class AlreadyAnswered(IllegalTransition):
    """A survey link is single use."""

    code = "already_answered"
