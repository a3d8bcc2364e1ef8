"""The Service desk API's app factory (gunicorn: ``service_desk.app:create_app()``)."""
from __future__ import annotations

from salesloop.service import Runtime
from salesloop.telemetry import setup_tracing
from salesloop.web.app import create_service_app
from salesloop.web.pages import limit_page_views

from service_desk.bootstrap import spec
from service_desk.config import load_config
from service_desk import pages


def create_app(runtime: Runtime | None = None):
    service = spec()
    setup_tracing(service.name)
    runtime = runtime or Runtime(service)
    app = create_service_app(runtime, service.blueprints(), title=service.title,
                             description=service.description, domain_errors=service.domain_errors)
    app.extensions["service_desk"] = load_config(runtime.settings)
    survey_pages = pages.blueprint()  # plain Flask routes: not part of the OpenAPI document
    app.register_blueprint(survey_pages)
    limit_page_views(app, survey_pages, runtime.settings.public_rate_limit)
    return app
