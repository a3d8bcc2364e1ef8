"""The fault suite's own stack: the five services as processes on PostgreSQL +
RabbitMQ, built like the e2e ``pg-rabbitmq`` stack (tests/e2e/stack.py), with
two cuttable TCP proxies: one between every service and the broker, one between
the orders service and its database. The shared servers themselves are never stopped.
"""
from __future__ import annotations

import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the suite's own helpers
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))  # stack, e2e_* helpers

from salesloop.testing.proxy import Proxy  # noqa: E402
from settings import DB_CUT_SERVICE, FaultSettings  # noqa: E402
from stack import SERVICES, Stack, forget_broker_names  # noqa: E402

STACK_ENV = {
    "orders": {"ORDERS_STOREFRONT_REP_ID": "storefront", "ORDERS_STOREFRONT_TEAM": "online",
               "ORDERS_STOREFRONT_REGION": "online"},
    "service-desk": {"SERVICE_DESK_SURVEY_URL": "https://survey.fault.example/surveys"},
}


@pytest.fixture(scope="session")
def fault_settings() -> FaultSettings:
    return FaultSettings.from_environment()


def _proxied_database(url: str, resources: ExitStack) -> tuple[str, Proxy]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    proxy = Proxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    resources.callback(proxy.close)
    return parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy


def _broker_proxy(broker: str, resources: ExitStack) -> tuple[str, Proxy]:
    parsed = urlparse(broker)
    proxy = Proxy(parsed.hostname or "127.0.0.1", parsed.port or 5672)
    resources.callback(proxy.close)
    vhost = (parsed.path[1:] or "/") if parsed.path not in ("", "/") else "/"
    return proxy.url(parsed.username or "guest", parsed.password or "guest", vhost), proxy


@pytest.fixture(scope="session")
def fault_stack(request, tmp_path_factory):
    from salesloop.testing.servers import throwaway_database

    server = request.getfixturevalue("postgres_server")
    broker = request.getfixturevalue("rabbitmq_url")
    workdir = tmp_path_factory.mktemp("fault")
    with ExitStack() as resources:
        direct = {service: resources.enter_context(throwaway_database(server, f"fault_{service.replace('-', '_')}"))
                  for service in SERVICES}
        through_proxy, db_proxy = _proxied_database(direct[DB_CUT_SERVICE], resources)
        bus_url, bus_proxy = _broker_proxy(broker, resources)
        stack = Stack(workdir, {**direct, DB_CUT_SERVICE: through_proxy}, bus_url, f"fault{uuid.uuid4().hex[:8]}.",
                      broker_url=broker, service_env=STACK_ENV, api_workers=2, name="fault")
        stack.proxy = bus_proxy
        stack.db_proxy = db_proxy  # the test reads every database directly, never through this one
        stack.direct_database_urls = direct
        started = time.monotonic()
        try:
            stack.start_all()
            print(f"\n[fault] stack up in {time.monotonic() - started:.1f}s; logs in {workdir / 'log'}")
            yield stack
        finally:
            bus_proxy.restore()
            db_proxy.restore()
            stack.stop_all()
            forget_broker_names(stack)
