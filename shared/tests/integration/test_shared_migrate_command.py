"""`migrate` on PostgreSQL: a missing database is one clear sentence, or created on request."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from salesloop.cli import make_main
from salesloop.service import ServiceSpec
from salesloop.messaging.catalog import EventCatalog

pytestmark = pytest.mark.integration

ENV = """from salesloop.migrations import run_env

run_env(None)
"""
FIRST = """revision = "0001"
down_revision = None

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))
"""


@pytest.fixture
def demo_spec(tmp_path):
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(ENV)
    (migrations / "versions" / "0001_notes.py").write_text(FIRST)
    return ServiceSpec(name="notes", package="notes", title="Notes", metadata=MetaData(),
                       catalog=lambda: EventCatalog("/notes"), blueprints=list, migrations=migrations)


@pytest.fixture
def missing_database_url(postgres_server):
    name = f"sl_missing_{uuid.uuid4().hex[:10]}"
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    yield url
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(spec, monkeypatch, url, *args):
    monkeypatch.setenv("DATABASE_URL", url)
    return make_main(lambda: spec, None)(["migrate", *args])


def test_a_missing_database_is_one_sentence(demo_spec, monkeypatch, missing_database_url, capsys):
    assert migrate(demo_spec, monkeypatch, missing_database_url) == 2
    error = capsys.readouterr().err.strip()
    assert "does not exist" in error and "make db" in error
    assert len(error.splitlines()) == 1


def test_create_database_makes_it_and_migrates(demo_spec, monkeypatch, missing_database_url, capsys):
    assert migrate(demo_spec, monkeypatch, missing_database_url, "--create-database") == 0
    assert "created its database" in capsys.readouterr().out
    engine = create_engine(missing_database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()
    assert migrate(demo_spec, monkeypatch, missing_database_url, "--create-database") == 0  # idempotent


def test_an_unreachable_server_is_one_sentence(demo_spec, monkeypatch, capsys):
    assert migrate(demo_spec, monkeypatch, "postgresql+psycopg://postgres@127.0.0.1:1/nothing") == 2
    error = capsys.readouterr().err.strip()
    assert "cannot reach the database server at 127.0.0.1:1" in error
    assert len(error.splitlines()) == 1
