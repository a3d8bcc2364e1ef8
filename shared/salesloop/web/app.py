"""The app factory every service uses: flask-smorest, problem+json, auth,
observability, per-request unit of work, audit of writes and rate limits."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from opentelemetry.instrumentation.flask import FlaskInstrumentor

from salesloop.service import Runtime, ServiceSpec
from salesloop.telemetry import setup_tracing
from salesloop.web.auth import TokenVerifier, _mark, _marked, authenticate_request
from salesloop.web.conflicts import install_conflict_handlers
from salesloop.web import dead_letters
from salesloop.web.audit import audit_read, write_audit  # noqa: F401 - where the services import them
from salesloop.web.docs import docs
from salesloop.web.errors import install_error_handlers
from salesloop.web.guards import install_guards, refuse_empty_patch
from salesloop.web.observability import install_observability
from salesloop.web.openapi import SalesloopApi

if TYPE_CHECKING:
    import flask_smorest
    from flask.typing import RouteCallable

    from salesloop.uow import UnitOfWork

log = logging.getLogger(__name__)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_View = TypeVar("_View", bound=Callable[..., Any])


class SalesloopExtension:
    """What views reach through ``current_app.extensions['salesloop']``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.verifier = TokenVerifier(runtime.settings)

    def readiness(self) -> dict[str, dict[str, Any]]:
        return self.runtime.readiness()


def rate_limited(limit: str | None = None) -> Callable[[_View], _View]:
    """Mark a public view for rate limiting (the limit defaults to PUBLIC_RATE_LIMIT)."""

    def decorate(view: _View) -> _View:
        _mark(view, "_salesloop_rate_limit", limit or "default")
        return view

    return decorate


def _apply_rate_limits(app: Flask, limiter: Limiter, default: str) -> None:
    for endpoint, view in list(app.view_functions.items()):
        targets = [view]
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            targets = [getattr(view_class, m) for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]
        marks = [getattr(t, "_salesloop_rate_limit", None) for t in targets]
        limit = next((m for m in marks if m), None)
        if limit:
            limited = limiter.limit(default if limit == "default" else limit)(view)
            # The view as it was, wrapped; mypy merges RouteCallable's two kinds of return into one.
            app.view_functions[endpoint] = cast("RouteCallable", limited)


def uow() -> UnitOfWork:
    """The request's unit of work, opened on first use and closed at teardown."""
    if "uow" not in g:
        writes = request.method in WRITE_METHODS
        g.uow = current_app.extensions["salesloop"].runtime.uow(writes=writes)
        if writes:
            _audit_line_with_commit(g.uow)
    return cast("UnitOfWork", g.uow)


class _WriteAuditLine:
    """The audit line of a write, inserted by the request's first commit into that same
    transaction when the route declares its one success status: no second transaction (a
    connection, a BEGIN and a COMMIT) per request. ``committed`` says the line is in the
    database; a commit that failed (and a retry that ran without the line) leaves it False,
    and the line is then written after the response as before."""

    def __init__(self, unit: UnitOfWork, status: int) -> None:
        self.unit, self.status = unit, status
        self.pending = self.committed = False
        g.write_audit_line = self

    def flush(self) -> None:  # called by the unit's commit, before the transaction commits
        if self.committed:
            return
        principal = getattr(g, "principal", None)
        self.unit.audit(request.method, request.path, actor=principal.user if principal else None,
                        roles=sorted(principal.roles) if principal else (), status=self.status,
                        request_id=getattr(g, "request_id", None))
        self.pending = True

    def after_commit(self, _session: object) -> None:
        self.committed, self.pending = self.committed or self.pending, False

    def after_rollback(self, _session: object) -> None:
        self.pending = False


def _audit_line_with_commit(unit: UnitOfWork) -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    codes = (_marked(view, "_apidoc", request.method, None) or {}).get("success_status_codes") if view else None
    if not codes or len(set(codes)) != 1:
        return  # which success the view answers is known only from its response
    line = _WriteAuditLine(unit, int(codes[0]))
    unit.deferred("salesloop.write_audit_line", lambda: line)
    event.listen(unit.session, "after_commit", line.after_commit)
    event.listen(unit.session, "after_rollback", line.after_rollback)


def app_factory(spec_factory: Callable[[], ServiceSpec]) -> Callable[..., Flask]:
    """A service's ``create_app(runtime=None)`` (gunicorn: ``<package>.app:create_app()``)."""

    def create_app(runtime: Runtime | None = None) -> Flask:
        spec = spec_factory()
        setup_tracing(spec.name)
        runtime = runtime or Runtime(spec)
        app = create_service_app(runtime, spec.blueprints(), title=spec.title, description=spec.description,
                                 domain_errors=spec.domain_errors)
        # Registered after the generic domain handlers, so these richer answers replace them.
        for error, handler in spec.error_handlers.items():
            app.register_error_handler(error, handler)
        if spec.load_config is not None:
            app.extensions[spec.package] = spec.load_config(runtime.settings)
        if spec.extend_app is not None:
            spec.extend_app(app, runtime)
        return app

    return create_app


def create_service_app(runtime: Runtime, blueprints: Iterable[flask_smorest.Blueprint], *, title: str,
                       version: str = "1.0.0", description: str = "",
                       domain_errors: dict[type, int] | None = None) -> Flask:
    settings = runtime.settings
    app = Flask(runtime.spec.package)
    app.config.update(
        API_TITLE=title,
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "security": [{"bearerAuth": []}],
        },
        MAX_CONTENT_LENGTH=settings.max_content_length,
        JSON_SORT_KEYS=False,
    )
    cast(DefaultJSONProvider, app.json).ensure_ascii = False  # Flask's default provider has the option
    if settings.trusted_proxy_hops:
        # Behind an ingress the client address is in X-Forwarded-For; without this
        # every client would share the ingress's rate-limit bucket.
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to wrap it
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # First, so the request span exists before any of our hooks can answer early.
    FlaskInstrumentor().instrument_app(  # type: ignore[no-untyped-call]  # unannotated upstream
        app, excluded_urls="healthz,readyz,metrics")
    app.extensions["salesloop"] = SalesloopExtension(runtime)
    api = SalesloopApi(app)
    for blueprint in [*blueprints, dead_letters.blp]:  # every service's parked messages, the same way
        api.register_blueprint(blueprint)
    app.register_blueprint(docs)  # a plain Flask blueprint: the docs are not part of the OpenAPI document
    install_conflict_handlers(app)  # before the domain errors: a service may map IntegrityError itself
    install_error_handlers(app, domain_errors)  # after Api: ours replace smorest's JSON errors
    install_guards(app)
    install_observability(app, runtime)
    app.before_request(authenticate_request)
    app.before_request(refuse_empty_patch)
    app.after_request(_audit_writes)
    app.teardown_request(_close_uow)
    limiter = Limiter(get_remote_address, app=app, storage_uri=settings.rate_limit_storage,
                      default_limits=[], headers_enabled=True)
    _apply_rate_limits(app, limiter, settings.public_rate_limit)
    app.extensions["salesloop_api"] = api
    return app


def _audit_writes(response: Response) -> Response:
    """Every successful write, and every read of personal data, goes to the audit log.

    A write's line goes into the transaction the view commits (``_WriteAuditLine``).
    What is left (a view that did not commit, reads of personal data) is written
    after the request's own unit of work is closed, in one short transaction: on
    SQLite a writing request holds the write lock until then, and the audit line
    must not wait on it (nor depend on whether the view committed).
    """
    lines = g.pop("audit_lines", [])
    written: _WriteAuditLine | None = g.pop("write_audit_line", None)
    if request.method in WRITE_METHODS and response.status_code < 400 and not (
            written is not None and written.committed and written.status == response.status_code):
        lines.insert(0, (request.method, request.path, response.status_code, None))
    if lines:
        _close_uow(None)
        _write_audit_lines(lines)
    return response


def _write_audit_lines(lines: list[tuple[str, str, int | None, dict[str, Any] | None]]) -> None:
    runtime = current_app.extensions["salesloop"].runtime
    principal = getattr(g, "principal", None)
    audit_uow = runtime.uow()
    try:
        for action, resource, status, detail in lines:
            audit_uow.audit(action, resource, actor=principal.user if principal else None,
                            roles=sorted(principal.roles) if principal else (), status=status,
                            request_id=getattr(g, "request_id", None), detail=detail)
        audit_uow.commit()
    except Exception:
        log.exception("could not write the audit lines")
    finally:
        audit_uow.close()


def _close_uow(_exc: BaseException | None) -> None:
    unit = g.pop("uow", None)
    if unit is not None:
        unit.rollback()  # a view that did not commit wrote nothing
        unit.close()
