"""flask-smorest's Blueprint, strict about query strings as it already is about bodies.

webargs ignores query parameters a schema does not name; a misspelt filter
(``?stauts=open``) then silently returns everything. Ours refuses them with a
422 naming the parameter, as unknown body fields are.
"""
from __future__ import annotations

import flask_smorest
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser


class StrictQueryParser(FlaskParser):
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictQueryParser()
