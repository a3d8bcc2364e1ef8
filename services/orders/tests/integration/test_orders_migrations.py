"""The migrations build exactly the tables the models describe, on PostgreSQL and SQLite."""
import pytest

from orders.bootstrap import spec
from salesloop.testing.migrations import assert_migrations_match_models

SERVICE_TABLES = {"orders", "order_lines", "order_versions", "order_transitions", "order_stages", "change_requests",
                  "fx_rates"}


@pytest.mark.integration
def test_postgresql_upgraded_to_head_matches_the_models_and_goes_down_and_up(postgres_url):
    assert_migrations_match_models(spec(), postgres_url, SERVICE_TABLES)


def test_sqlite_upgraded_to_head_matches_the_models_and_goes_down_and_up(tmp_path):
    assert_migrations_match_models(spec(), f"sqlite:///{tmp_path / 'orders.sqlite3'}", SERVICE_TABLES)
