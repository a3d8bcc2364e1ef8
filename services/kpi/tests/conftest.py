"""Fixtures for the KPI service's API, handler and integration tests."""
from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from salesloop.testing import importable_test_folder
from salesloop.testing.harness import ServiceHarness

from kpi.app import create_app
from kpi.bootstrap import spec

importable_test_folder(__file__)

from kpi_client import KpiClient  # noqa: E402 - importable only once the folder is on the path

NOW = datetime(2026, 10, 31, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def make_kpi(service_harness):
    """A KPI service with other settings: make_kpi(company_timezone="UTC")."""

    def make(**overrides) -> KpiClient:
        return KpiClient(service_harness(spec(), create_app, **overrides))

    return make


@pytest.fixture
def kpi(make_kpi) -> KpiClient:
    """The KPI service on a SQLite file, its clock at 2026-10-31 12:00 UTC."""
    client = make_kpi()
    client.set_clock(NOW)
    return client


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory) -> Path:
    """A SQLite file with the known data set delivered, made once per run."""
    path = tmp_path_factory.mktemp("kpi-template") / "kpi.sqlite3"
    client = KpiClient(ServiceHarness(spec(), create_app, database_url=f"sqlite:///{path}"))
    client.deliver_all()
    client.close()
    with closing(sqlite3.connect(path)) as connection:  # everything into the main file, then copy that
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def loaded(make_kpi, loaded_template, tmp_path) -> KpiClient:
    """The KPI service with the known data set delivered (a copy of the template: tests may change it)."""
    path = tmp_path / "loaded.sqlite3"
    shutil.copyfile(loaded_template, path)
    client = make_kpi(database_url=f"sqlite:///{path}")
    client.set_clock(NOW)
    return client


@pytest.fixture(scope="module")
def loaded_once(tmp_path_factory):
    """One loaded KPI service shared by a module's read-only tests (loading takes a while)."""
    path = tmp_path_factory.mktemp("kpi") / "kpi.sqlite3"
    client = KpiClient(ServiceHarness(spec(), create_app, database_url=f"sqlite:///{path}"))
    client.set_clock(NOW)
    client.deliver_all()
    yield client
    client.close()
