"""The migrations build exactly the tables the models describe, on PostgreSQL and on SQLite."""
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from leads.bootstrap import spec
from leads.models import metadata
from salesloop.migrations import alembic_config, upgrade

SERVICE_TABLES = {"reps", "leads", "activities", "lead_history", "lead_merges", "customers", "customer_contacts",
                  "customer_deals", "rule_sets", "lead_imports", "lead_import_rows", "fx_rates"}


def _differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.integration
def test_a_fresh_postgresql_database_at_head_matches_the_models(postgres_url):
    migrations = spec().migrations
    upgrade(migrations, postgres_url)
    assert _differences(postgres_url) == []
    assert SERVICE_TABLES <= _tables(postgres_url)
    command.downgrade(alembic_config(migrations, postgres_url), "0001")
    assert not SERVICE_TABLES & _tables(postgres_url)
    upgrade(migrations, postgres_url)
    assert _differences(postgres_url) == []


def test_sqlite_at_head_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'leads.sqlite3'}"
    upgrade(spec().migrations, url)
    assert _differences(url) == []
    assert SERVICE_TABLES | {"outbox", "inbox", "audit_log"} <= _tables(url)
