"""The Leads API's app factory (gunicorn: ``leads.app:create_app()``)."""
from __future__ import annotations

from salesloop.web.app import app_factory

from leads.bootstrap import spec

create_app = app_factory(spec)
