"""The KPI HTTP API: one flask-smorest Blueprint per resource."""
from __future__ import annotations

from kpi.domain.errors import DomainError, MissingFigure, MissingTarget, RuleViolation
from kpi.errors import Conflict, NotFound

# Flask picks the most specific class: a MissingTarget is a 409 although a RuleViolation is a 422.
DOMAIN_ERRORS: dict[type, int] = {
    DomainError: 422,
    RuleViolation: 422,
    MissingTarget: 409,
    MissingFigure: 409,
    NotFound: 404,
    Conflict: 409,
}


def blueprints() -> list:
    from kpi.api import admin, awards, commissions, customers, facts, metrics, reports, scorecards

    return [metrics.blueprint(), facts.blueprint(), scorecards.blueprint(), commissions.blueprint(),
            awards.blueprint(), reports.blueprint(), customers.blueprint(), admin.blueprint()]
