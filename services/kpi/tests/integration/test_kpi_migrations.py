"""The migrations build exactly the tables the models describe, on PostgreSQL and SQLite."""
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from salesloop.migrations import alembic_config, upgrade

from kpi.bootstrap import spec
from kpi.models import metadata

TABLES = {"facts", "rollup_daily", "rollup_monthly", "rep_directory", "projection_state", "customer_classes",
          "reports", "job_runs", "scorecards", "scorecard_targets", "evaluations", "commission_plans",
          "plan_assignments", "outbox", "inbox", "audit_log"}


def differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def check_round_trip(url: str) -> None:
    migrations = spec().migrations
    upgrade(migrations, url)
    assert table_names(url) == TABLES
    assert differences(url) == []
    command.downgrade(alembic_config(migrations, url), "0001")
    assert table_names(url) == {"outbox", "inbox", "audit_log"}
    upgrade(migrations, url)
    assert differences(url) == []


@pytest.mark.integration
def test_a_fresh_postgresql_database_upgraded_to_head_matches_the_models(postgres_url):
    check_round_trip(postgres_url)


def test_a_fresh_sqlite_database_upgraded_to_head_matches_the_models(tmp_path):
    check_round_trip(f"sqlite:///{tmp_path / 'kpi.sqlite3'}")
