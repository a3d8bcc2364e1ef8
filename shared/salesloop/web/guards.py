"""Hostile input stopped at the door, for every route of every service.

Each check answers 422 problem+json before a view runs, so a route cannot forget
it: text with NUL or other control characters (PostgreSQL refuses NUL in text,
and control characters in names and filters are never meant), JSON nested deeper
than any of our documents, a PATCH that changes nothing, and — after the view — a value the database cannot
hold (an integer past BIGINT, a string past its column) is a 422, not a 500.
Every answer carries the security headers a browser needs to treat it safely.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, request
from sqlalchemy.exc import DataError

from salesloop.web.errors import Problem, problem_response

MAX_JSON_DEPTH = 32
# C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

JSON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
# The pages a person opens (API docs, customer pages) load their own scripts and styles.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def install_guards(app: Flask) -> None:
    app.before_request(refuse_hostile_input)
    app.after_request(add_security_headers)
    app.register_error_handler(DataError, _data_error)
    app.register_error_handler(OverflowError, _overflow)


def refuse_hostile_input() -> None:
    errors: dict[str, list[str]] = {}
    for name, value in request.args.items(multi=True):
        if CONTROL.search(name) or CONTROL.search(value):
            errors.setdefault("query" if CONTROL.search(name) else name, []).append(
                "Control characters are not allowed.")
    if errors:
        raise Problem(422, "Unprocessable Entity", "The query string holds characters it may not.",
                      kind="validation-error", errors=errors)
    if request.is_json and request.content_length:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested past what the parser itself can walk
            raise Problem(422, "Unprocessable Entity", f"Nested deeper than {MAX_JSON_DEPTH} levels.",
                          kind="validation-error", errors={"$": [f"Nested deeper than {MAX_JSON_DEPTH} levels."]})
        if body is not None:
            problem = _json_problem(body)
            if problem:
                raise Problem(422, "Unprocessable Entity", problem[1], kind="validation-error",
                              errors={problem[0]: [problem[1]]})


def refuse_empty_patch() -> None:
    """A PATCH names what it changes; an empty one is a client's mistake, not a no-op.

    Run after authentication: who may not call the route learns nothing of its body."""
    if request.method != "PATCH":
        return
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict) and body:
        return
    if body is None and request.content_length and not request.is_json:
        return  # another media type: the route's own parser answers 415/422
    raise Problem(422, "Unprocessable Entity", "Send at least one field to change.", kind="validation-error",
                  errors={"$": ["Send at least one field to change."]})


def _json_problem(body: Any) -> tuple[str, str] | None:
    """(where, what) of the first thing wrong in a JSON document, walked without recursion."""
    stack = [(body, "$", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return path, f"Nested deeper than {MAX_JSON_DEPTH} levels."
        if isinstance(value, dict):
            for key, item in value.items():
                if CONTROL.search(key):
                    return path, "A key holds control characters."
                stack.append((item, f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str) and CONTROL.search(value):
            return path, "Control characters are not allowed."
    return None


def add_security_headers(response: Response) -> Response:
    for name, value in JSON_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = PAGE_CSP
    if request.headers.get("Authorization"):
        # What a token shows is the caller's: never kept by a shared cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _data_error(exc: DataError) -> Response:
    code = getattr(exc.orig, "sqlstate", "")  # none: "" finds no key below, as None did
    what = {"22003": "A number is out of the range its field holds.",
            "22001": "A text is longer than its field holds.",
            "22021": "A text holds bytes that are not valid UTF-8.",
            "22P05": "A text holds characters the database cannot store.",
            "22008": "A date or time is out of range."}.get(code, "A value does not fit its field.")
    return problem_response(422, "Unprocessable Entity", what, kind="validation-error")


def _overflow(_exc: OverflowError) -> Response:
    return problem_response(422, "Unprocessable Entity", "A number is out of the range its field holds.",
                            kind="validation-error")
