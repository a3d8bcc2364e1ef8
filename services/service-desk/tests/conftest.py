"""Fixtures for the service desk's tests: the service on SQLite with a fixed business calendar."""
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from service_desk.app import create_app  # noqa: E402
from service_desk.bootstrap import spec  # noqa: E402
from service_desk_client import CALENDAR  # noqa: E402


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory) -> Path:
    """An empty service database built once; each test starts from a copy (DDL on SQLite is slow)."""
    from salesloop.db import Database

    path = tmp_path_factory.mktemp("desk-template") / "desk.sqlite3"
    database = Database(f"sqlite:///{path}")
    spec().metadata.create_all(database.engine)
    database.dispose()
    return path


@pytest.fixture
def make_desk(service_harness, desk_template, tmp_path):
    """The service with the test calendar; keyword arguments become Settings.extra entries."""
    made = []

    def build(**extra):
        settings_extra = {"calendar": CALENDAR, "survey_url": "https://desk.test/surveys", **extra}
        overrides = {key: settings_extra.pop(key) for key in ("public_rate_limit", "company_currency")
                     if key in settings_extra}
        database = tmp_path / f"desk{len(made)}.sqlite3"
        shutil.copyfile(desk_template, database)
        made.append(database)
        return service_harness(spec(), create_app, database_url=f"sqlite:///{database}", extra=settings_extra,
                               **overrides)

    return build


@pytest.fixture
def desk(make_desk):
    return make_desk()
