"""The Service desk HTTP API: one flask-smorest Blueprint per resource, a module each.

common.py holds what every view reaches for (the request's unit of work, the desk
configuration, committing); it is no resource of its own.
"""
from __future__ import annotations

from salesloop.fx import UnknownRate, fx_blueprint

from service_desk.domain.errors import (
    AlreadyAnswered,
    AlreadyExists,
    DomainError,
    IllegalTransition,
    InvalidConfiguration,
    InvalidToken,
    RuleViolation,
    SurveyExpired,
    UnknownRecord,
    ValidationFailed,
)
from service_desk.api import care, faq, interactions, qa, sla, surveys, tickets

# The most specific class wins (Flask looks errors up along the MRO).
DOMAIN_ERRORS: dict[type, int] = {
    DomainError: 422,
    RuleViolation: 422,
    ValidationFailed: 422,
    InvalidConfiguration: 422,
    UnknownRate: 422,
    IllegalTransition: 409,
    AlreadyAnswered: 409,
    AlreadyExists: 409,
    UnknownRecord: 404,
    InvalidToken: 404,
    SurveyExpired: 410,
}


def blueprints() -> list:
    return [
        tickets.blueprint(),
        sla.blueprint(),
        surveys.blueprint(),
        interactions.blueprint(),
        qa.rules_blueprint(),
        qa.reviews_blueprint(),
        care.tasks_blueprint(),
        care.customers_blueprint(),
        faq.blueprint(),
        fx_blueprint(),
    ]
