"""RFC 7807 problem+json for every error a service can answer with."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://salesloop.dev/problems/"


class Problem(Exception):
    """Raise from anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str | None = None, *, kind: str | None = None,
                 **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.kind = kind or title.lower().replace(" ", "-")
        self.extra = extra


def problem_response(status: int, title: str, detail: str | None = None, *, kind: str | None = None,
                     **extra: Any) -> Response:
    body = {
        "type": TYPE_BASE + (kind or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "instance": request.path if request else None,
    }
    if detail:
        body["detail"] = detail
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    return response


def _field_errors(exc: HTTPException) -> dict[str, Any] | None:
    """flask-smorest puts marshmallow's messages under exc.data['messages']."""
    data = getattr(exc, "data", None) or {}
    messages: dict[str, Any] | None = data.get("messages")
    if not messages:
        return None
    # Location (json/query/files) first, then fields; flatten the location for readers.
    if len(messages) == 1:
        (only,) = messages.values()
        if isinstance(only, dict):
            return only
    return messages


def _handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status == 422:
        return problem_response(422, "Unprocessable Entity", "The request has invalid fields.",
                                kind="validation-error", errors=_field_errors(exc))
    if status == 400 and request.mimetype == "application/json" and request.get_json(silent=True) is None:
        return problem_response(400, "Bad Request", "The body is not valid JSON.", kind="malformed-json")
    detail = exc.description if status < 500 else None
    data = getattr(exc, "data", None) or {}
    return problem_response(status, exc.name, data.get("message") or detail,
                            kind=exc.name.lower().replace(" ", "-"), errors=_field_errors(exc))


def _handle_problem(exc: Problem) -> Response:
    return problem_response(exc.status, exc.title, exc.detail, kind=exc.kind, **exc.extra)


def _handle_validation(exc: ValidationError) -> Response:
    return problem_response(422, "Unprocessable Entity", "The request has invalid fields.",
                            kind="validation-error", errors=exc.messages)


def _handle_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _handle_http(exc)
    log.exception("unhandled error")
    return problem_response(500, "Internal Server Error", "An unexpected error occurred; it has been logged.",
                            kind="internal-error")


def install_error_handlers(app: Flask, domain_errors: dict[type, int] | None = None) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Problem, _handle_problem)
    app.register_error_handler(ValidationError, _handle_validation)
    for error_type, status in (domain_errors or {}).items():
        app.register_error_handler(error_type, _domain_handler(status))
    app.register_error_handler(Exception, _handle_unexpected)


def _domain_handler(status: int) -> Callable[[Exception], Response]:
    titles = {404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity", 403: "Forbidden"}

    def handle(exc: Exception) -> Response:
        extra = getattr(exc, "problem_extra", None) or {}
        return problem_response(status, titles.get(status, "Error"), str(exc),
                                kind=type(exc).__name__.lower(), **extra)

    return handle
