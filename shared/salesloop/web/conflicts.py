"""Lost races answered as 409 problems instead of 500s, in every service.

Two people saving the same versioned row (StaleDataError), two requests creating
the same business key (a unique violation), or two SQLite writers whose snapshots
crossed ("database is locked") are conflicts the caller can retry. The request's
unit of work is rolled back at teardown, so nothing is written.
"""
from __future__ import annotations

import logging

from flask import Flask, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from salesloop.web.errors import problem_response

log = logging.getLogger(__name__)
INTERNAL = ("Internal Server Error", "An unexpected error occurred; it has been logged.")


def is_unique_violation(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)  # psycopg
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def is_write_conflict(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01") or "database is locked" in str(exc.orig)


def install_conflict_handlers(app: Flask) -> None:
    app.register_error_handler(StaleDataError, _stale)
    app.register_error_handler(IntegrityError, _integrity)
    app.register_error_handler(OperationalError, _operational)


def _stale(_exc: StaleDataError) -> Response:
    return problem_response(409, "Conflict", "Someone else changed this record meanwhile; reload it and try again.",
                            kind="concurrent-change")


def _integrity(exc: IntegrityError) -> Response:
    if is_unique_violation(exc):
        return problem_response(409, "Conflict", "This duplicates a record saved meanwhile; reload and try again.",
                                kind="duplicate")
    log.exception("integrity error")
    return problem_response(500, *INTERNAL, kind="internal-error")


def _operational(exc: OperationalError) -> Response:
    if is_write_conflict(exc):
        return problem_response(409, "Conflict", "A concurrent change was saved first; try again.",
                                kind="concurrent-change")
    log.exception("database error")
    return problem_response(503, "Service Unavailable", "The database is not answering; try again shortly.",
                            kind="database-unavailable")
