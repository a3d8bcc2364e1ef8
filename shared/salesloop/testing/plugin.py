"""pytest plugin (entry point ``salesloop``): fixtures every service's tests get."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from salesloop.testing.harness import ServiceHarness
from salesloop.testing.servers import (
    drop_schemas,
    resolve_postgres,
    resolve_rabbitmq,
    throwaway_database,
    throwaway_schema,
)

if TYPE_CHECKING:
    from flask import Flask
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from salesloop.service import Runtime, ServiceSpec


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--harness-database", choices=("sqlite", "postgresql"),
        default=os.environ.get("SALESLOOP_HARNESS_DATABASE", "sqlite"),
        help="where service_harness puts a service's tables by default: a SQLite file, or a schema of "
             "its own in the real PostgreSQL (production's database; make test runs the API and handler "
             "tests on both)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: talks to the real PostgreSQL and/or RabbitMQ")
    config.addinivalue_line("markers", "e2e: runs the services as separate processes")


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> str:
    return resolve_postgres(request)


@pytest.fixture(scope="session")
def rabbitmq_url(request: pytest.FixtureRequest) -> str:
    return resolve_rabbitmq(request)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test."""
    with throwaway_database(postgres_server) as url:
        yield url


@pytest.fixture
def bus_namespace() -> str:
    """Queue and exchange names unique to this test, so runs never collide."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def service_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., ServiceHarness]]:
    """Build a ServiceHarness; defaults to a SQLite file (or, with --harness-database
    postgresql, a throwaway schema in the real PostgreSQL) and an in-memory bus."""
    made: list[ServiceHarness] = []
    schemas: list[str] = []
    on_postgres = request.config.getoption("--harness-database") == "postgresql"

    def default_url(spec: ServiceSpec) -> str:
        if not on_postgres:
            return f"sqlite:///{tmp_path / (spec.package + str(len(made)) + '.sqlite3')}"
        schema = f"h_{uuid.uuid4().hex[:12]}"
        schemas.append(schema)
        return throwaway_schema(request.getfixturevalue("postgres_server"), schema)

    def build(spec: ServiceSpec, app_factory: Callable[[Runtime], Flask], *, database_url: str | None = None,
              **kwargs: Any) -> ServiceHarness:
        harness = ServiceHarness(spec, app_factory, database_url=database_url or default_url(spec), **kwargs)
        made.append(harness)
        return harness

    yield build
    for harness in made:
        harness.close()
    if schemas:
        drop_schemas(request.getfixturevalue("postgres_server"), schemas)


@pytest.fixture(scope="session")
def _span_exporter() -> InMemorySpanExporter:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(_span_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    """Finished spans recorded during this test (an in-memory exporter)."""
    _span_exporter.clear()
    yield _span_exporter
    _span_exporter.clear()


REAL_SERVER_FIXTURES = {"postgres_server", "postgres_url", "rabbitmq_url"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that asks for a real server is an integration test, marked or not,
    so `-m "not integration"` really runs without servers."""
    for item in items:
        if REAL_SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.integration)
