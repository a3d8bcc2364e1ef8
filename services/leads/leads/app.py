"""The Leads API's app factory (gunicorn: ``leads.app:create_app()``)."""
from __future__ import annotations

from salesloop.service import Runtime
from salesloop.telemetry import setup_tracing
from salesloop.web.app import create_service_app
from salesloop.web.errors import problem_response

from leads.bootstrap import spec
from leads.domain.errors import DuplicateFound, InvalidField


def create_app(runtime: Runtime | None = None):
    service = spec()
    setup_tracing(service.name)
    runtime = runtime or Runtime(service)
    app = create_service_app(runtime, service.blueprints(), title=service.title,
                             description=service.description, domain_errors=service.domain_errors)
    # Registered after the generic domain handlers, so these richer answers replace them.
    app.register_error_handler(InvalidField, _invalid_field)
    app.register_error_handler(DuplicateFound, _duplicate)
    return app


def _invalid_field(exc: InvalidField):
    return problem_response(422, "Unprocessable Entity", "The request has invalid fields.",
                            kind="validation-error", errors={exc.field: [exc.reason]})


def _duplicate(exc: DuplicateFound):
    matches = [{"kind": kind, "id": record_id, "matched_on": list(keys)} for kind, record_id, keys in exc.matches]
    return problem_response(409, "Conflict", str(exc), kind="duplicate", existing_id=exc.existing_id,
                            existing_kind=exc.existing_kind, matches=matches,
                            hint="Send record_duplicate: true to record it as a linked duplicate, "
                                 "or merge it with POST /leads/{id}/merge.")
