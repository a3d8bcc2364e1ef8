"""The Service desk API's app factory (gunicorn: ``service_desk.app:create_app()``)."""
from __future__ import annotations

from salesloop.service import Runtime
from salesloop.telemetry import setup_tracing
from salesloop.web.app import create_service_app

from service_desk.bootstrap import spec
from service_desk.config import load_config


def create_app(runtime: Runtime | None = None):
    service = spec()
    setup_tracing(service.name)
    runtime = runtime or Runtime(service)
    app = create_service_app(runtime, service.blueprints(), title=service.title,
                             description=service.description, domain_errors=service.domain_errors)
    app.extensions["service_desk"] = load_config(runtime.settings)
    return app
