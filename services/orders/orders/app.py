"""The Orders API's app factory (gunicorn: ``orders.app:create_app()``)."""
from __future__ import annotations

from salesloop.web.app import app_factory

from orders.bootstrap import spec

create_app = app_factory(spec)
