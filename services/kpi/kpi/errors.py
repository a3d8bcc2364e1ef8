"""Errors of the KPI service's own commands (the domain has its own hierarchy)."""
from kpi.domain.errors import DomainError


class NotFound(DomainError):
    """No such scorecard, plan, report or customer (or not one the caller may see)."""


class Conflict(DomainError):
    """The request clashes with what exists: a duplicate, an overlap, a locked record."""


class TargetsLocked(Conflict):
    """Targets are set at a period's start; once it is under way they stand."""
