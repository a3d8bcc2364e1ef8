"""The leads domain's exceptions.

The web layer maps them to HTTP: ``InvalidField`` and ``RuleViolation`` to 422,
``NotFound`` to 404, ``Conflict`` (and ``DuplicateFound``) to 409,
``IllegalTransition`` to 409. Every one carries a message a person can read.
"""


class DomainError(Exception):
    """Base of every error the leads domain raises on purpose."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidField(DomainError):
    """One input value is unusable; ``field`` names it for a field-level 422."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class RuleViolation(DomainError):
    """The input is well-formed but a business rule forbids the operation."""


class IllegalTransition(DomainError):
    """A lead cannot move from its current status to the one requested."""

    def __init__(self, current: str, target: str, message: str):
        super().__init__(message)
        self.current = current
        self.target = target


class NotFound(DomainError):
    """The record named in the request does not exist (or is not the caller's to see)."""


class Conflict(DomainError):
    """The request clashes with the record's current state (already merged, version taken…)."""


class DuplicateFound(Conflict):
    """A capture matches an existing lead or customer by normalized phone, e-mail or company.

    ``matches`` lists (record kind, record id, matched key kinds), strongest first.
    """

    def __init__(self, matches: list[tuple[str, str, tuple[str, ...]]]):
        kind, record_id, keys = matches[0]
        super().__init__(f"this looks like {kind} {record_id} (same {', '.join(keys)})")
        self.matches = matches

    @property
    def existing_id(self) -> str:
        return self.matches[0][1]

    @property
    def existing_kind(self) -> str:
        return self.matches[0][0]
