"""The Service desk API's app factory (gunicorn: ``service_desk.app:create_app()``);
its settings in app.extensions["service_desk"], its survey pages beside the API."""
from __future__ import annotations

from salesloop.web.app import app_factory

from service_desk.bootstrap import spec

create_app = app_factory(spec)
