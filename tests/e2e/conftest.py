"""The end-to-end stacks: the five services as separate processes, once per backend.

- ``pg-rabbitmq``: a fresh PostgreSQL database per service and RabbitMQ. The
  services reach the broker through a TCP proxy the fault tests cut and
  restore (the real RabbitMQ, which other test runs share, is never stopped);
  the test's own parties (storefront, mailbox, dlq tools) use the broker directly.
- ``embedded``: the default with nothing installed — a SQLite file per service
  and kombu's filesystem transport, under a temporary folder.

Both export their spans to one OTLP/HTTP receiver inside the test process.
The ``stack`` fixture is session-scoped and parametrized, so each backend's
processes start once; a test that needs RabbitMQ says so with
``@pytest.mark.parametrize("stack", [PG_RABBITMQ], indirect=True)``.
"""
from __future__ import annotations

import os
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # stack, otlp, e2e_* helpers

from salesloop.testing.proxy import Proxy  # noqa: E402
from otlp import OtlpReceiver  # noqa: E402
from phoenix import Phoenix  # noqa: E402
from stack import EMBEDDED, PG_RABBITMQ, SERVICES, Stack, forget_broker_names  # noqa: E402

SERVICE_ENV = {
    # The desk's SLA sweep every second, so a breach escalates while the test waits;
    # the customer's link points at the public survey page.
    "service-desk": {"SERVICE_DESK_SLA_SWEEP_SECONDS": "1",
                     "SERVICE_DESK_SURVEY_URL": "https://survey.e2e.example/surveys"},
    # Storefront orders carry no rep: they belong to the web shop's account.
    "orders": {"ORDERS_STOREFRONT_REP_ID": "storefront", "ORDERS_STOREFRONT_TEAM": "online",
               "ORDERS_STOREFRONT_REGION": "online"},
}


@pytest.fixture(scope="session")
def trace_viewer():
    """The viewer `make traces` runs, when `make traces-install` has put it here (CI always has)."""
    if not Phoenix.installed():
        if os.environ.get("CI") == "true":
            pytest.fail("the trace viewer is not installed: run `make traces-install`")
        yield None
        return
    viewer = Phoenix()
    yield viewer
    viewer.close()


@pytest.fixture(scope="session")
def otlp(trace_viewer):
    receiver = OtlpReceiver(forward_to=trace_viewer.traces_endpoint if trace_viewer else None)
    yield receiver
    receiver.close()


def _pg_rabbitmq(request, resources: ExitStack) -> dict:
    from salesloop.testing.servers import throwaway_database

    server = request.getfixturevalue("postgres_server")
    broker = request.getfixturevalue("rabbitmq_url")
    databases = {service: resources.enter_context(throwaway_database(server, f"e2e_{service.replace('-', '_')}"))
                 for service in SERVICES}
    parsed = urlparse(broker)
    proxy = Proxy(parsed.hostname or "127.0.0.1", parsed.port or 5672)
    resources.callback(proxy.close)
    vhost = (parsed.path[1:] or "/") if parsed.path not in ("", "/") else "/"
    proxied = proxy.url(parsed.username or "guest", parsed.password or "guest", vhost)
    return {"database_urls": databases, "bus_url": proxied, "broker_url": broker, "proxy": proxy}


def _embedded(workdir: Path) -> dict:
    databases = {service: f"sqlite:///{workdir / 'db' / (service + '.sqlite3')}" for service in SERVICES}
    return {"database_urls": databases, "bus_url": f"filesystem://{workdir / 'bus'}", "proxy": None}


@pytest.fixture(scope="session", params=[PG_RABBITMQ, EMBEDDED])
def stack(request, tmp_path_factory, otlp):
    backend = request.param
    workdir = tmp_path_factory.mktemp(f"e2e-{backend}")
    namespace = f"e2e{uuid.uuid4().hex[:8]}."
    with ExitStack() as resources:
        wiring = _pg_rabbitmq(request, resources) if backend == PG_RABBITMQ else _embedded(workdir)
        proxy = wiring.pop("proxy")
        # Two gunicorn workers per API on the real servers; one on the embedded default, like `make run`.
        stack = Stack(workdir, namespace=namespace, otlp_endpoint=otlp.endpoint, service_env=SERVICE_ENV,
                      name=backend, api_workers=2 if backend == PG_RABBITMQ else 1, **wiring)
        stack.proxy = proxy
        started = time.monotonic()
        try:
            stack.start_all()
            stack.started_in = time.monotonic() - started
            print(f"\n[e2e] {backend} stack up in {stack.started_in:.1f}s; logs in {workdir / 'log'}")
            yield stack
        finally:
            if stack.conflicts:
                print(f"\n[e2e] {backend}: {len(stack.conflicts)} request(s) answered 409 concurrent-change "
                      "and retried:\n  " + "\n  ".join(stack.conflicts))
            stack.stop_all()
            if stack.is_amqp:
                forget_broker_names(stack)


@pytest.fixture(scope="session")
def console(stack):
    """The console process (``salesloop-console api``) over the stack's five APIs."""
    from e2e_console import Console

    running = Console(stack)
    yield running
    running.stop()
