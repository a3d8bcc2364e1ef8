"""Lost races answered as 409 problems instead of 500s.

Deals, proposals and contracts carry a row version: when two people save the
same record, the second UPDATE matches no row (StaleDataError). Two requests
creating the same business key (one contract per deal) meet a unique
constraint. Either can surface at any flush, so they are handled app-wide;
the request's unit of work is rolled back at teardown, so nothing is written.
"""
from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from salesloop.web.errors import problem_response

log = logging.getLogger(__name__)


def install_conflict_handlers(app: Flask) -> None:
    app.register_error_handler(StaleDataError, _stale)
    app.register_error_handler(IntegrityError, _integrity)


def _stale(_exc: StaleDataError):
    return problem_response(409, "Conflict", "someone else changed this record meanwhile; reload it and try again",
                            kind="concurrent-change")


def _integrity(exc: IntegrityError):
    if is_unique_violation(exc):
        return problem_response(409, "Conflict", "this duplicates a record saved meanwhile; reload and try again",
                                kind="duplicate")
    log.exception("integrity error")
    return problem_response(500, "Internal Server Error", "An unexpected error occurred; it has been logged.",
                            kind="internal-error")


def is_unique_violation(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)  # psycopg
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)  # PostgreSQL | SQLite
