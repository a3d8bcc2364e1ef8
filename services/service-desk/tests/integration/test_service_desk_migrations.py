"""The migrations build exactly the tables the models describe, on PostgreSQL and SQLite."""
import pytest

from service_desk.bootstrap import spec
from salesloop.testing.migrations import assert_migrations_match_models

SERVICE_TABLES = {
    "customers", "sla_policy_books", "tickets", "ticket_status_changes", "ticket_resolutions", "ticket_notes",
    "ticket_escalations", "surveys", "survey_links", "interactions", "qa_rules", "qa_violations", "qa_reviews",
    "care_tasks", "faq_entries", "fx_rates",
}


@pytest.mark.integration
def test_postgresql_upgraded_to_head_matches_the_models_and_goes_down_and_up(postgres_url):
    assert_migrations_match_models(spec(), postgres_url, SERVICE_TABLES)


def test_sqlite_upgraded_to_head_matches_the_models_and_goes_down_and_up(tmp_path):
    assert_migrations_match_models(spec(), f"sqlite:///{tmp_path / 'service_desk.sqlite3'}", SERVICE_TABLES)
