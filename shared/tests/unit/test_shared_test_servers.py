"""The test kit's switches: a forced server tier, container images from the environment."""
from __future__ import annotations

import pytest

from salesloop.testing import servers


class Request:
    def addfinalizer(self, _finalizer):
        raise AssertionError("no container should be started")


def test_a_forced_tier_that_is_not_available_fails_instead_of_falling_through(monkeypatch):
    monkeypatch.setenv("SALESLOOP_TEST_SERVERS", "containers")
    monkeypatch.setattr(servers, "_docker_available", lambda: False)
    monkeypatch.setattr(servers, "_reachable", lambda host, port: True)  # local servers are up
    with pytest.raises(pytest.fail.Exception, match="SALESLOOP_TEST_SERVERS=containers"):
        servers.resolve_postgres(Request())


def test_forcing_env_uses_the_url_even_when_local_servers_are_up(monkeypatch):
    monkeypatch.setenv("SALESLOOP_TEST_SERVERS", "env")
    monkeypatch.setenv("TEST_BUS_URL", "amqp://someone@rabbit.test:5672/vhost")
    monkeypatch.setattr(servers, "_reachable", lambda host, port: True)
    assert servers.resolve_rabbitmq(Request()) == "amqp://someone@rabbit.test:5672/vhost"


def test_forcing_local_ignores_a_database_url(monkeypatch):
    monkeypatch.setenv("SALESLOOP_TEST_SERVERS", "local")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://elsewhere/db")
    monkeypatch.setattr(servers, "_reachable", lambda host, port: True)
    assert servers.resolve_postgres(Request()) == servers.LOCAL_POSTGRES


def test_an_unknown_tier_is_refused(monkeypatch):
    monkeypatch.setenv("SALESLOOP_TEST_SERVERS", "cloud")
    with pytest.raises(pytest.fail.Exception, match="env, local, containers"):
        servers.forced_tier()


def test_images_come_from_the_environment(monkeypatch):
    assert servers.image("postgres") == "postgres:16-alpine"
    monkeypatch.setenv("SALESLOOP_TEST_RABBITMQ_IMAGE", "mirror.example/rabbitmq:4.1")
    assert servers.image("rabbitmq") == "mirror.example/rabbitmq:4.1"
