"""The KPI API's app factory (gunicorn: ``kpi.app:create_app()``)."""
from __future__ import annotations

from salesloop.service import Runtime
from salesloop.telemetry import setup_tracing
from salesloop.web.app import create_service_app

from kpi.bootstrap import spec
from kpi.config import load_config


def create_app(runtime: Runtime | None = None):
    service = spec()
    setup_tracing(service.name)
    runtime = runtime or Runtime(service)
    app = create_service_app(runtime, service.blueprints(), title=service.title,
                             description=service.description, domain_errors=service.domain_errors)
    app.extensions["kpi"] = load_config(runtime.settings)
    return app
