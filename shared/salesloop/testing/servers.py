"""Find the real PostgreSQL and RabbitMQ a test run should use.

Order: DATABASE_URL / BUS_URL when set, the local servers when reachable,
testcontainers when a Docker engine is, otherwise skip with the reason —
except under CI=true, where a missing server fails the run.

``SALESLOOP_TEST_SERVERS=env|local|containers`` forces one tier (a forced tier
that is not available fails, it never falls through to another);
``SALESLOOP_TEST_POSTGRES_IMAGE`` / ``SALESLOOP_TEST_RABBITMQ_IMAGE`` name the
container images (for a registry mirror).
"""
from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOCAL_RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"
TIERS = ("env", "local", "containers")
DEFAULT_IMAGES = {"postgres": "postgres:16-alpine", "rabbitmq": "rabbitmq:3.13"}


def forced_tier() -> str | None:
    tier = os.environ.get("SALESLOOP_TEST_SERVERS", "").strip().lower() or None
    if tier is not None and tier not in TIERS:
        pytest.fail(f"SALESLOOP_TEST_SERVERS={tier!r}: use one of {', '.join(TIERS)}", pytrace=False)
    return tier


def image(kind: str) -> str:
    return os.environ.get(f"SALESLOOP_TEST_{kind.upper()}_IMAGE") or DEFAULT_IMAGES[kind]


def _tiers() -> tuple[str, ...]:
    tier = forced_tier()
    return (tier,) if tier else TIERS


def _unavailable(what: str, tier: str) -> NoReturn:
    pytest.fail(f"SALESLOOP_TEST_SERVERS={tier} but {what} is not available that way", pytrace=False)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


def _missing(what: str) -> NoReturn:
    message = f"{what} is not reachable (set its URL, start it locally, or run a Docker engine)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI requires real servers: {message}", pytrace=False)
    pytest.skip(message)


def resolve_postgres(request: pytest.FixtureRequest) -> str:
    for tier in _tiers():
        if tier == "env":
            url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
            if url and url.startswith("postgresql"):
                return url
        elif tier == "local" and _reachable("127.0.0.1", 5432):
            return LOCAL_POSTGRES
        elif tier == "containers" and _docker_available():
            from testcontainers.postgres import PostgresContainer

            container = PostgresContainer(image("postgres"), driver="psycopg")
            container.start()
            request.addfinalizer(container.stop)
            return container.get_connection_url()
        if forced_tier():
            _unavailable("PostgreSQL", tier)
    _missing("PostgreSQL")


def resolve_rabbitmq(request: pytest.FixtureRequest) -> str:
    for tier in _tiers():
        if tier == "env":
            url = os.environ.get("TEST_BUS_URL") or os.environ.get("BUS_URL")
            if url and url.startswith("amqp"):
                return url
        elif tier == "local" and _reachable("127.0.0.1", 5672):
            return LOCAL_RABBITMQ
        elif tier == "containers" and _docker_available():
            from testcontainers.rabbitmq import RabbitMqContainer

            container = RabbitMqContainer(image("rabbitmq"))
            container.start()
            request.addfinalizer(container.stop)
            params = container.get_connection_params()
            return f"amqp://guest:guest@{params.host}:{params.port}//"
        if forced_tier():
            _unavailable("RabbitMQ", tier)
    _missing("RabbitMQ")


@contextmanager
def throwaway_database(server_url: str, prefix: str = "sl") -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def throwaway_schema(server_url: str, schema: str) -> str:
    """A fresh schema in the server's database, and a URL whose connections use only it:
    a service's tables on PostgreSQL for one test, at a fraction of a database's cost."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    url = make_url(server_url)
    # Connections name their schema as their application, so that dropping it can end
    # any a test left open (a streamed answer it never read, idle in its transaction).
    return url.update_query_dict({"options": f"-csearch_path={schema}", "application_name": schema}).render_as_string(
        hide_password=False)


def drop_schemas(server_url: str, schemas: list[str]) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for schema in schemas:
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE application_name = :schema AND pid <> pg_backend_pid()"),
                                   {"schema": schema})
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()
