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
