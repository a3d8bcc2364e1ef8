"""The orders domain's exceptions.

Every refusal carries a sentence a person can read. The web layer maps the
families, not the leaves: ``IllegalTransition`` (the record's current state
forbids the operation) to 409, ``RuleViolation`` and its ``InvalidInput``
(the input breaks a rule; ``errors`` holds field-level messages) to 422,
``NotAllowed`` (this person may not do it) to 403.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping


class DomainError(Exception):
    """Base of every refusal raised by the orders domain."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    """The record's current state does not allow the requested move."""

    def __init__(self, current: str, target: str, allowed: Iterable[str],
                 what: str = "order", message: str | None = None) -> None:
        self.current = str(current)
        self.target = str(target)
        self.allowed = tuple(str(state) for state in allowed)
        choices = ", ".join(self.allowed) if self.allowed else "none (final state)"
        super().__init__(
            message or f"{what} cannot go from {self.current} to {self.target}; allowed: {choices}"
        )


class RuleViolation(DomainError):
    """Well-formed input that a business rule forbids."""


class InvalidInput(RuleViolation):
    """One or more fields are unusable; ``errors`` maps field path to messages."""

    def __init__(self, errors: Mapping[str, Iterable[str]], message: str = "the input is invalid") -> None:
        self.errors = {path: list(messages) for path, messages in errors.items()}
        details = "; ".join(
            f"{path}: {', '.join(messages)}" for path, messages in sorted(self.errors.items())
        )
        super().__init__(f"{message}: {details}" if details else message)

    @property
    def problem_extra(self) -> dict[str, object]:
        """Extra members of the 422 problem document: the field-level messages."""
        return {"errors": self.errors}


class NotAllowed(DomainError):
    """The acting person lacks the right to do this."""
