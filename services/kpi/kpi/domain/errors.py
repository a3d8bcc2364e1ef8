"""Exceptions of the KPI domain.

Each carries a message a person can read. The web layer maps `InvalidInput`
subclasses to 422 and `RuleViolation` subclasses to 409/422 as it sees fit.
"""




class DomainError(Exception):
    """Root of every error the KPI domain raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value handed to the domain cannot be interpreted."""


class InvalidPeriod(InvalidInput):
    """A period string or a period's dates do not describe a valid period."""


class UnknownTimezone(InvalidInput):
    """The configured company timezone is not an IANA zone name."""


class TimezoneRequired(InvalidInput):
    """A naive datetime was given where an instant (aware datetime) is needed."""


class InvalidFact(InvalidInput):
    """A fact record is internally inconsistent (e.g. CSAT outside 1-5)."""


class InvalidMoney(InvalidInput):
    """An amount is not a Decimal or its currency code is malformed."""


class CurrencyMismatch(DomainError):
    """Amounts in different currencies were about to be added as if they were one."""


class MissingExchangeRate(DomainError):
    """A foreign-currency amount has no rate to the company currency."""


class RuleViolation(DomainError):
    """A configured rule (weights, tiers, thresholds, targets) is not acceptable."""


class InvalidWeights(RuleViolation):
    """Weights are negative or do not add up to 100."""


class InvalidPlan(RuleViolation):
    """A commission plan's components, tiers or bonuses are inconsistent."""


class MissingTarget(RuleViolation):
    """A computation needs a target (attainment) and none was given."""


class MissingFigure(DomainError):
    """A computation needs an actual figure (e.g. gross profit) that is unknown."""


# -- errors of the service's own commands ------------------------------------------------------------
# Errors of the KPI service's own commands (the domain has its own hierarchy).
class NotFound(DomainError):
    """No such scorecard, plan, report or customer (or not one the caller may see)."""


class Conflict(DomainError):
    """The request clashes with what exists: a duplicate, an overlap, a locked record."""


class TargetsLocked(Conflict):
    """Targets are set at a period's start; once it is under way they stand."""


class Forbidden(DomainError):
    """The caller may not see or change this (answered as 403)."""
