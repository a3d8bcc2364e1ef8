"""The deals domain's exceptions.

Every refusal carries a sentence a salesperson can read. The web layer maps the
families, not the leaves: ``IllegalTransition`` (the record's current state
forbids the operation) to 409, ``RuleViolation`` (the input breaks a business
rule) to 422, ``NotAllowed`` (this person may not do it) to 403.
"""
from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal raised by the deals domain."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    """The record's current state does not allow this operation."""


class RuleViolation(DomainError):
    """A value or combination of values breaks a business rule."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        # Lets the web layer build field-level problem details.
        self.field = field

    @property
    def problem_extra(self) -> dict[str, dict[str, list[str]]]:
        """Field-level messages, shaped like a 422 for invalid input fields."""
        return {"errors": {self.field: [self.message]}} if self.field else {}


class NotAllowed(DomainError):
    """The acting person lacks the right to do this."""


class NotFound(DomainError):
    """The record asked for does not exist."""


class AlreadySigned(IllegalTransition):
    """A contract can be signed once; a second signature is refused."""


class QuoteExpired(IllegalTransition):
    """The quote's validity date has passed."""


class AlreadyAccepted(IllegalTransition):
    """A deal already has an accepted proposal."""
