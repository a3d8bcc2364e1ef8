"""The migrations build exactly the tables the models describe, on PostgreSQL and SQLite."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from salesloop.migrations import upgrade
from service_desk.bootstrap import spec

SERVICE_TABLES = {
    "customers", "sla_policy_books", "tickets", "ticket_status_changes", "ticket_resolutions", "ticket_notes",
    "ticket_escalations", "surveys", "survey_links", "interactions", "qa_rules", "qa_violations", "qa_reviews",
    "care_tasks", "faq_entries", "fx_rates", "outbox", "inbox", "audit_log",
}


def differences(url: str) -> list:
    service = spec()
    upgrade(service.migrations, url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
            return tables, compare_metadata(context, service.metadata)
    finally:
        engine.dispose()


@pytest.mark.integration
def test_postgres_at_head_matches_the_models(postgres_url):
    tables, diff = differences(postgres_url)
    assert tables == SERVICE_TABLES
    assert diff == []


def test_sqlite_at_head_matches_the_models_and_downgrades_cleanly(tmp_path):
    from alembic import command

    from salesloop.migrations import alembic_config

    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    tables, diff = differences(url)
    assert tables == SERVICE_TABLES
    assert diff == []
    command.downgrade(alembic_config(spec().migrations, url), "0001")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version", "outbox", "inbox", "audit_log"}
    engine.dispose()
