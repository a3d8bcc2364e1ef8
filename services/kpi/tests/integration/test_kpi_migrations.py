"""The migrations build exactly the tables the models describe, on PostgreSQL and SQLite."""
import pytest

from kpi.bootstrap import spec
from salesloop.testing.migrations import assert_migrations_match_models

SERVICE_TABLES = {"facts", "rollup_daily", "rollup_monthly", "rep_directory", "projection_state", "customer_classes",
                  "reports", "job_runs", "scorecards", "scorecard_targets", "evaluations", "commission_plans",
                  "plan_assignments"}


@pytest.mark.integration
def test_postgresql_upgraded_to_head_matches_the_models_and_goes_down_and_up(postgres_url):
    assert_migrations_match_models(spec(), postgres_url, SERVICE_TABLES)


def test_sqlite_upgraded_to_head_matches_the_models_and_goes_down_and_up(tmp_path):
    assert_migrations_match_models(spec(), f"sqlite:///{tmp_path / 'kpi.sqlite3'}", SERVICE_TABLES)


@pytest.mark.integration
def test_the_pipeline_migration_gives_deals_already_logged_their_counters(make_kpi, postgres_url):
    """A database whose deals were logged before the pipeline became counters:
    upgrading to 0003 rebuilds the projections, and the pipeline reads as before."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from salesloop.migrations import alembic_config

    kpi = make_kpi(database_url=postgres_url, migrate=True)
    kpi.deliver_all()
    expected = kpi.figures("period=2026-11")["metrics"]["weighted_pipeline"]
    assert expected["value"] not in (None, "0.00")
    engine = create_engine(postgres_url)
    with engine.begin() as connection:  # the rollups as the older code left them: no pipeline counters
        for table in ("rollup_daily", "rollup_monthly"):
            connection.execute(text(f"DELETE FROM {table} WHERE metric LIKE 'pipeline%'"))
        connection.execute(text("UPDATE projection_state SET generation = generation + 1"))  # read afresh
    engine.dispose()
    assert kpi.figures("period=2026-11")["metrics"]["weighted_pipeline"]["value"] == "0.00"
    config = alembic_config(spec().migrations, postgres_url)
    command.downgrade(config, "0002")
    command.upgrade(config, "head")
    assert kpi.figures("period=2026-11")["metrics"]["weighted_pipeline"] == expected
