"""Fixtures for the KPI service's API, handler and integration tests."""
from __future__ import annotations

import shutil
import sqlite3
import sys
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # kpi_testdata, with --import-mode=importlib

from kpi.app import create_app  # noqa: E402
from kpi.bootstrap import spec  # noqa: E402

DIRECTOR = {"role": "director", "user": "dir-1", "team": None, "region": None}
OPS = {"role": "ops", "user": "ops-1", "team": None, "region": None}


def set_clock(harness, moment: datetime) -> None:
    """Freeze the API's clock (targets lock once a period is under way)."""
    harness.app.extensions["kpi"] = replace(harness.app.extensions["kpi"], clock=lambda: moment)


@pytest.fixture
def kpi(service_harness):
    """The KPI service on a SQLite file, its clock at 2026-10-31 12:00 UTC."""
    harness = service_harness(spec(), create_app)
    set_clock(harness, datetime(2026, 10, 31, 12, 0, tzinfo=timezone.utc))
    return harness


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory) -> Path:
    """A SQLite file with the known data set delivered, made once per run."""
    from salesloop.testing.harness import ServiceHarness

    from kpi_testdata import deliver_all

    path = tmp_path_factory.mktemp("kpi-template") / "kpi.sqlite3"
    harness = ServiceHarness(spec(), create_app, database_url=f"sqlite:///{path}")
    deliver_all(harness)
    harness.close()
    with closing(sqlite3.connect(path)) as connection:  # everything into the main file, then copy that
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def loaded(service_harness, loaded_template, tmp_path):
    """The KPI service with the known data set delivered (a copy of the template: tests may change it)."""
    path = tmp_path / "loaded.sqlite3"
    shutil.copyfile(loaded_template, path)
    harness = service_harness(spec(), create_app, database_url=f"sqlite:///{path}")
    set_clock(harness, datetime(2026, 10, 31, 12, 0, tzinfo=timezone.utc))
    return harness


@pytest.fixture(scope="module")
def loaded_once(tmp_path_factory):
    """One loaded KPI service shared by a module's read-only tests (loading takes a while)."""
    from salesloop.testing.harness import ServiceHarness

    from kpi_testdata import deliver_all

    path = tmp_path_factory.mktemp("kpi") / "kpi.sqlite3"
    harness = ServiceHarness(spec(), create_app, database_url=f"sqlite:///{path}")
    set_clock(harness, datetime(2026, 10, 31, 12, 0, tzinfo=timezone.utc))
    deliver_all(harness)
    yield harness
    harness.close()


def run_sweep(harness, name: str, now: datetime) -> None:
    """Run one of the worker's sweeps, as the worker would (its own transaction)."""
    [sweep] = [s for s in harness.spec.sweeps(harness.runtime) if s.name == name]
    unit = harness.runtime.uow()
    try:
        sweep.run(unit, now)
        unit.commit()
    finally:
        unit.close()
