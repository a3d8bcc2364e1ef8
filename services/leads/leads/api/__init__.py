"""The Leads HTTP API: one flask-smorest Blueprint per resource (a module each), and how
domain errors answer. common.py holds what every view reaches for; it is no resource."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from salesloop.fx import UnknownRate, fx_blueprint

from leads.domain.errors import Conflict, IllegalTransition, InvalidField, NotFound, RuleViolation

DOMAIN_ERRORS: dict[type, int] = {
    InvalidField: 422,        # app.py answers it with the field named under "errors"
    RuleViolation: 422,
    UnknownRate: 422,         # a conversion in a currency without a rate: add one at /fx-rates
    NotFound: 404,
    IllegalTransition: 409,
    Conflict: 409,            # DuplicateFound answers with the existing record's id (app.py)
    StaleDataError: 409,      # someone else changed the record in the meantime: reload and retry
    IntegrityError: 409,      # a business key taken by a concurrent request
}


def blueprints() -> list:
    from leads.api import customers, imports, leads, reps, rules

    return [leads.blueprint(), imports.blueprint(), reps.blueprint(), customers.blueprint(), rules.blueprint(),
            fx_blueprint()]
