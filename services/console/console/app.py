"""The console's app factory (gunicorn: ``console.app:create_app()``)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import requests

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect

from salesloop.config import PRODUCT_AUDIENCES, load_settings
from salesloop.telemetry import setup_tracing
from salesloop.web.auth import TokenVerifier

from console.config import ConsoleConfig, load_config
from console.session import current_person
from console.upstream import UpstreamError
from console.views import blueprints

CONSOLE_AUDIENCES = ("console", *PRODUCT_AUDIENCES)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def create_app(config: ConsoleConfig | None = None, http: Callable[[], requests.Session] | None = None) -> Flask:
    """``http`` makes the session each request calls the services with (a test's in-process one)."""
    setup_tracing("console")
    config = config or load_config()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=config.secret_key, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=config.production, SESSION_COOKIE_NAME="salesloop_console",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=12), WTF_CSRF_TIME_LIMIT=None,
                      MAX_CONTENT_LENGTH=64 * 1024)
    app.extensions["console"] = config
    # A person's token names the services it is for; the console only hands it on to them.
    app.extensions["console_verifier"] = TokenVerifier(load_settings("console"), audiences=CONSOLE_AUDIENCES)
    if http is not None:
        app.extensions["console_http"] = http
    CSRFProtect(app)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    app.context_processor(lambda: {"person": current_person(), "config": config})
    app.register_error_handler(UpstreamError, _upstream_error)
    app.register_error_handler(CSRFError, _csrf_error)
    for status in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(status, _http_error)
    app.after_request(_headers)
    return app


def _upstream_error(exc: UpstreamError):
    status = exc.status if exc.status in (403, 404, 409, 422) else 502
    if exc.status == 401:
        status = 401
    return render_template("error.html", status=status, title=exc.title, detail=exc.detail,
                           service=exc.service), status


def _csrf_error(exc: CSRFError):
    return render_template("error.html", status=400, title="The form has expired",
                           detail="Reload the page and send it again; nothing was changed."), 400


def _http_error(exc):
    """Every error is a page in words; a crash shows no traceback (it goes to the log)."""
    code = getattr(exc, "code", None) or 500
    if code == 500:
        return render_template("error.html", status=500, title="Something went wrong",
                               detail="The console could not show this page. Nothing was changed."), 500
    return render_template("error.html", status=code, title=exc.name, detail=exc.description), code


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response
