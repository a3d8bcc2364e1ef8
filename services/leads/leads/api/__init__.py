"""The Leads HTTP API: one flask-smorest Blueprint per resource (a module each), and how
domain errors answer. common.py holds what every view reaches for; it is no resource."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from salesloop.fx import UnknownRate, fx_blueprint
from salesloop.web.errors import problem_response

from leads.api import customers, imports, leads, reps, rules
from leads.domain.errors import Conflict, DuplicateFound, IllegalTransition, InvalidField, NotFound, RuleViolation

DOMAIN_ERRORS: dict[type, int] = {
    InvalidField: 422,        # answered with the field named under "errors" (below)
    RuleViolation: 422,
    UnknownRate: 422,         # a conversion in a currency without a rate: add one at /fx-rates
    NotFound: 404,
    IllegalTransition: 409,
    Conflict: 409,            # DuplicateFound answers with the existing record's id (below)
    StaleDataError: 409,      # someone else changed the record in the meantime: reload and retry
    IntegrityError: 409,      # a business key taken by a concurrent request
}


def _invalid_field(exc: InvalidField):
    return problem_response(422, "Unprocessable Entity", "The request has invalid fields.",
                            kind="validation-error", errors={exc.field: [exc.reason]})


def _duplicate(exc: DuplicateFound):
    matches = [{"kind": kind, "id": record_id, "matched_on": list(keys)} for kind, record_id, keys in exc.matches]
    return problem_response(409, "Conflict", str(exc), kind="duplicate", existing_id=exc.existing_id,
                            existing_kind=exc.existing_kind, matches=matches,
                            hint="Send record_duplicate: true to record it as a linked duplicate, "
                                 "or merge it with POST /leads/{id}/merge.")


# Richer answers than a status alone, registered after the generic domain handlers.
ERROR_HANDLERS = {InvalidField: _invalid_field, DuplicateFound: _duplicate}


def blueprints() -> list:
    return [leads.blueprint(), imports.blueprint(), reps.blueprint(), customers.blueprint(), rules.blueprint(),
            fx_blueprint()]
