"""/healthz, /readyz and Prometheus /metrics, plus request ids and timing."""
from __future__ import annotations

import re
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from salesloop.messaging.tables import OUTBOX
from salesloop.web.auth import public

REQUEST_ID = re.compile(r"[\w.:-]{1,64}")
CONTENT_TYPE_LATEST = "text/plain; version=0.0.4; charset=utf-8"


class MessagingCollector:
    """Outbox backlog and dead-letter depth, read at scrape time so every
    process (API, worker, relay) is reflected without shared memory."""

    def __init__(self, runtime):
        self.runtime = runtime

    def collect(self):
        backlog = GaugeMetricFamily("salesloop_outbox_backlog", "Outbox rows not yet published",
                                    labels=["service"])
        dlq = GaugeMetricFamily("salesloop_dead_letter_depth", "Messages parked in the dead-letter queue",
                                labels=["service"])
        service = self.runtime.settings.service
        try:
            outbox = self.runtime.spec.metadata.tables[OUTBOX]
            with self.runtime.database.session() as session:
                count = session.execute(select(func.count()).where(outbox.c.sent_at.is_(None))).scalar()
            backlog.add_metric([service], count)
        except Exception:
            pass
        depth = self.runtime.dead_letter_depth()
        if depth is not None:
            dlq.add_metric([service], depth)
        yield backlog
        yield dlq


def install_observability(app: Flask, runtime) -> None:
    registry = CollectorRegistry()
    requests = Counter("salesloop_http_requests", "HTTP requests", ["service", "method", "endpoint", "status"],
                       registry=registry)
    latency = Histogram("salesloop_http_request_duration_seconds", "HTTP request latency",
                        ["service", "method", "endpoint"], registry=registry)
    registry.register(MessagingCollector(runtime))
    service = runtime.settings.service

    @app.before_request
    def start_request():
        offered = request.headers.get("X-Request-ID", "")
        # Only a sane id is echoed and audited; anything else gets a fresh one.
        g.request_id = offered if REQUEST_ID.fullmatch(offered) else str(uuid.uuid4())
        g.started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - getattr(g, "started", time.perf_counter())
        requests.labels(service, request.method, endpoint, str(response.status_code)).inc()
        latency.labels(service, request.method, endpoint).observe(elapsed)
        return response

    blueprint = Blueprint("observability", __name__)

    @blueprint.get("/healthz")
    @public
    def healthz():
        return jsonify(status="ok", service=service)

    @blueprint.get("/readyz")
    @public
    def readyz():
        checks = current_app.extensions["salesloop"].readiness()
        ready = all(check["ok"] for check in checks.values())
        return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503

    @blueprint.get("/metrics")
    @public
    def metrics():
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    app.register_blueprint(blueprint)
