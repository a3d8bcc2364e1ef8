"""flask-smorest's Blueprint, strict about query strings as it already is about bodies.

webargs ignores query parameters a schema does not name; a misspelt filter
(``?stauts=open``) then silently returns everything. Ours refuses them with a
422 naming the parameter, as unknown body fields are.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import flask_smorest
from marshmallow import RAISE, Schema
from webargs.flaskparser import FlaskParser

_Routed = TypeVar("_Routed", bound=Callable[..., Any])
_View = Callable[..., Any]


class StrictQueryParser(FlaskParser):
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # flask-smorest ships no types
    ARGUMENTS_PARSER = StrictQueryParser()

    if TYPE_CHECKING:  # flask-smorest's decorators that this library uses, as it uses them
        def route(self, rule: str, **options: Any) -> Callable[[_Routed], _Routed]: ...
        # These two wrap the view: Flask calls the wrapper, with other arguments.
        def arguments(self, schema: Schema | type[Schema], **options: Any) -> Callable[[_View], _View]: ...
        def response(self, status_code: int | str, schema: Schema | type[Schema] | None = None,
                     **options: Any) -> Callable[[_View], _View]: ...
