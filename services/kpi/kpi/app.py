"""The KPI API's app factory (gunicorn: ``kpi.app:create_app()``); its settings in app.extensions["kpi"]."""
from __future__ import annotations

from salesloop.web.app import app_factory

from kpi.bootstrap import spec

create_app = app_factory(spec)
