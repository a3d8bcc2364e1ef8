"""Find the real PostgreSQL and RabbitMQ a test run should use.

Order: DATABASE_URL / BUS_URL when set, the local servers when reachable,
testcontainers when a Docker engine is, otherwise skip with the reason —
except under CI=true, where a missing server fails the run.
"""
from __future__ import annotations

import os
import socket
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOCAL_RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


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


def _missing(what: str) -> None:
    message = f"{what} is not reachable (set its URL, start it locally, or run a Docker engine)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI requires real servers: {message}", pytrace=False)
    pytest.skip(message)


def resolve_postgres(request) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url and url.startswith("postgresql"):
        return url
    if _reachable("127.0.0.1", 5432):
        return LOCAL_POSTGRES
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver="psycopg")
        container.start()
        request.addfinalizer(container.stop)
        return container.get_connection_url()
    _missing("PostgreSQL")


def resolve_rabbitmq(request) -> str:
    url = os.environ.get("TEST_BUS_URL") or os.environ.get("BUS_URL")
    if url and url.startswith("amqp"):
        return url
    if _reachable("127.0.0.1", 5672):
        return LOCAL_RABBITMQ
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13")
        container.start()
        request.addfinalizer(container.stop)
        params = container.get_connection_params()
        return f"amqp://guest:guest@{params.host}:{params.port}//"
    _missing("RabbitMQ")


@contextmanager
def throwaway_database(server_url: str, prefix: str = "sl"):
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
