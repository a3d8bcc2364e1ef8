"""The Deals API's app factory (gunicorn: ``deals.app:create_app()``)."""
from __future__ import annotations

from salesloop.service import Runtime
from salesloop.telemetry import setup_tracing
from salesloop.web.app import create_service_app

from deals.bootstrap import spec
from deals.config import load_config


def create_app(runtime: Runtime | None = None):
    service = spec()
    setup_tracing(service.name)
    runtime = runtime or Runtime(service)
    app = create_service_app(runtime, service.blueprints(), title=service.title,
                             description=service.description, domain_errors=service.domain_errors)
    app.extensions["deals"] = load_config(runtime.settings)  # bad DEALS_* settings fail at start, not mid-request
    return app
