"""The pages a customer opens in a browser: the survey link's form and its answers.

Plain Flask routes (not in the OpenAPI document) next to the JSON API; the survey
link itself is the API's URL, which answers a browser with the page (see
``api/surveys.py``). The pages need no JavaScript and load nothing from elsewhere.
"""
from __future__ import annotations

from flask import Flask

from salesloop.service import Runtime
from salesloop.web.pages import limit_page_views

from service_desk.pages.survey import blueprint

__all__ = ["blueprint", "serve_pages"]


def serve_pages(app: Flask, runtime: Runtime) -> None:
    """The survey pages beside the API, under the same public rate limit as its routes."""
    survey_pages = blueprint()  # plain Flask routes: not part of the OpenAPI document
    app.register_blueprint(survey_pages)
    limit_page_views(app, survey_pages, runtime.settings.public_rate_limit)
