"""/healthz, /readyz and Prometheus /metrics, plus request ids and timing."""
from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, cast

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from salesloop.messaging.tables import OUTBOX
from salesloop.web.auth import public

if TYPE_CHECKING:
    from salesloop.service import Runtime

REQUEST_ID = re.compile(r"[\w.:-]{1,64}")
CONTENT_TYPE_LATEST = "text/plain; version=0.0.4; charset=utf-8"


class MessagingCollector:
    """Outbox backlog and dead-letter depth, read at scrape time so every
    process (API, worker, relay) is reflected without shared memory."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        service = self.runtime.settings.service
        yield from self._outbox(service)
        yield from self._queues(service)

    def _outbox(self, service: str) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily("salesloop_outbox_backlog", "Outbox rows not yet published",
                                    labels=["service"])
        oldest = GaugeMetricFamily("salesloop_outbox_oldest_unsent_age_seconds",
                                   "Age of the oldest outbox row not yet published (0 when none)",
                                   labels=["service"])
        try:
            outbox = self.runtime.spec.metadata.tables[OUTBOX]
            unsent = outbox.c.sent_at.is_(None)
            with self.runtime.database.session() as session:
                row = session.execute(select(func.count(), func.min(outbox.c.created_at)).where(unsent)).one()
                # mypy loses the row's column types on the way through Session.execute
                count, first = cast("tuple[int, datetime | None]", row)
            backlog.add_metric([service], count)
            oldest.add_metric([service], _age_seconds(first))
        except Exception:  # a scrape must answer even while the database is down
            pass
        yield backlog
        yield oldest

    def _queues(self, service: str) -> Iterator[GaugeMetricFamily]:
        stats = self.runtime.queue_stats()
        for name, help_text, value in (
            ("salesloop_dead_letter_depth", "Messages parked in the dead-letter queue", stats.dead_letters),
            ("salesloop_queue_depth", "Messages ready in the service's queue", stats.ready),
            ("salesloop_queue_consumers", "Consumers attached to the service's queue", stats.consumers),
        ):
            family = GaugeMetricFamily(name, help_text, labels=["service"])
            if value is not None:
                family.add_metric([service], value)
            yield family


def _age_seconds(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (datetime.now(timezone.utc) - moment).total_seconds())


def install_observability(app: Flask, runtime: Runtime) -> None:
    registry = CollectorRegistry()
    requests = Counter("salesloop_http_requests", "HTTP requests", ["service", "method", "endpoint", "status"],
                       registry=registry)
    latency = Histogram("salesloop_http_request_duration_seconds", "HTTP request latency",
                        ["service", "method", "endpoint"], registry=registry)
    registry.register(MessagingCollector(runtime))
    service = runtime.settings.service

    @app.before_request
    def start_request() -> None:
        offered = request.headers.get("X-Request-ID", "")
        # Only a sane id is echoed and audited; anything else gets a fresh one.
        g.request_id = offered if REQUEST_ID.fullmatch(offered) else str(uuid.uuid4())
        g.started = time.perf_counter()

    @app.after_request
    def finish_request(response: Response) -> Response:
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - getattr(g, "started", time.perf_counter())
        requests.labels(service, request.method, endpoint, str(response.status_code)).inc()
        latency.labels(service, request.method, endpoint).observe(elapsed)
        return response

    blueprint = Blueprint("observability", __name__)

    @blueprint.get("/healthz")
    @public
    def healthz() -> Response:
        return jsonify(status="ok", service=service)

    @blueprint.get("/readyz")
    @public
    def readyz() -> tuple[Response, int]:
        checks = current_app.extensions["salesloop"].readiness()
        ready = all(check["ok"] for check in checks.values())
        return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503

    @blueprint.get("/metrics")
    @public
    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    app.register_blueprint(blueprint)
