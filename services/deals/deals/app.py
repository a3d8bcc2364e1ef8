"""The Deals API's app factory (gunicorn: ``deals.app:create_app()``)."""
from __future__ import annotations

from salesloop.web.app import app_factory

from deals.bootstrap import spec

create_app = app_factory(spec)
