"""The Deals HTTP API: one flask-smorest Blueprint per resource.

common.py holds what every view reaches for (the request's unit of work, the
caller, saving); it is no resource of its own.
"""
from __future__ import annotations

from salesloop.fx import UnknownRate, fx_blueprint

from deals.api import contracts, deals, forecast, minutes, proposals
from deals.domain import DomainError, IllegalTransition, NotAllowed, NotFound, RuleViolation

# The most specific class wins (Flask walks the exception's MRO). Lost races
# (row versions, unique keys) are answered as 409s by salesloop.web.conflicts.
DOMAIN_ERRORS: dict[type, int] = {
    DomainError: 422,
    RuleViolation: 422,
    IllegalTransition: 409,
    NotAllowed: 403,
    NotFound: 404,
    UnknownRate: 422,
}


def blueprints() -> list:
    return [deals.blueprint(), proposals.blueprint(), minutes.blueprint(), contracts.blueprint(),
            forecast.blueprint(), fx_blueprint()]
