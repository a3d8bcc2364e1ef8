"""The OpenAPI document says what the services really answer on errors.

flask-smorest documents its own JSON error body; ours is RFC 7807
``application/problem+json`` (``errors.py``). Every operation that needs a
token also documents 401 and 403, and one with an id in its path 404, read from
the same marks the request hooks enforce (``auth.route_roles``), so the
document cannot promise access the code refuses, or the other way round.
"""
from __future__ import annotations

import http
from typing import TYPE_CHECKING, Any

from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields

from salesloop.web.auth import route_roles
from salesloop.web.errors import PROBLEM
from salesloop.web.fields import DECIMAL_PATTERN

if TYPE_CHECKING:
    from apispec.ext.marshmallow.field_converter import FieldConverterMixin
    from flask import Flask

BOUNDS = {"minimum": "x-minimum", "maximum": "x-maximum"}


class ProblemSchema(Schema):
    """An RFC 7807 problem document (documentation only: ``errors.problem_response`` writes it)."""

    class Meta:
        unknown = INCLUDE  # a kind of problem may add its own members (RFC 7807 §3.2)

    type = fields.String(metadata={"description": "A URI naming the kind of problem", "format": "uri"})
    title = fields.String(metadata={"description": "A short summary of the kind of problem"})
    status = fields.Integer(metadata={"description": "The HTTP status code"})
    detail = fields.String(metadata={"description": "What went wrong with this request"})
    instance = fields.String(allow_none=True, metadata={"description": "The path that was asked for"})
    request_id = fields.String(metadata={"description": "The X-Request-ID to quote when reporting it"})
    errors = fields.Dict(metadata={"description": "Field name → messages, on 422"})


class _ErrorResponsesPlugin(BasePlugin):
    """Adds the 401/403/404 a route can answer to each of its operations, and marks the
    public ones as needing no token."""

    def __init__(self) -> None:
        super().__init__()
        self.app: Flask | None = None

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if self.app is None or rule is None or not operations:
            return
        view = self.app.view_functions[rule.endpoint]
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if route_roles(view, method) is not None:
                responses.setdefault("401", "UNAUTHORIZED")
                responses.setdefault("403", "FORBIDDEN")
            else:  # public: the document-wide bearer requirement does not apply
                operation["security"] = []
            if rule.arguments:
                responses.setdefault("404", "NOT_FOUND")


def decimal_as_string(converter: FieldConverterMixin, field: fields.Field[Any], ret: dict[str, Any],
                      **kwargs: Any) -> dict[str, Any]:
    """Every decimal is a string on the wire (``fields.DecimalString``), so the document
    says so; its bounds, which JSON Schema allows on numbers only, move to extensions."""
    if not isinstance(field, fields.Decimal):
        return {}
    ret.pop("exclusiveMinimum", None)
    ret.pop("exclusiveMaximum", None)
    bounds = {BOUNDS[name]: str(ret.pop(name)) for name in list(BOUNDS) if name in ret}
    return {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN, **bounds}


class SalesloopApi(Api):  # type: ignore[misc]  # flask-smorest ships no types
    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask) -> None:
        self._error_responses = _ErrorResponsesPlugin()
        self._error_responses.app = app
        super().__init__(app, spec_kwargs={"extra_plugins": [self._error_responses]})
        self.ma_plugin.converter.add_attribute_function(decimal_as_string)

    def _register_responses(self) -> None:
        """As flask-smorest's, with the problem+json body our error handlers send."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
