"""The KPI HTTP API: one flask-smorest Blueprint per resource module.

common.py holds what every view reaches for (the request's unit of work, the
caller, the settings), and summaries.py the finished summaries kept until the
projections change; neither is a resource of its own.
"""
from __future__ import annotations

from kpi.api import admin, awards, commissions, customers, facts, metrics, reports, scorecards
from kpi.domain.errors import Conflict, DomainError, Forbidden, MissingFigure, MissingTarget, NotFound, RuleViolation

# Flask picks the most specific class: a MissingTarget is a 409 although a RuleViolation is a 422.
DOMAIN_ERRORS: dict[type, int] = {
    DomainError: 422,
    RuleViolation: 422,
    MissingTarget: 409,
    MissingFigure: 409,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
}


def blueprints() -> list:
    return [metrics.blp, facts.blp, scorecards.blp, commissions.blp, awards.blp, reports.blp, customers.blp,
            admin.blp]
