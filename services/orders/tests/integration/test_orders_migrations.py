"""The migrations build exactly the tables the models describe, on PostgreSQL and SQLite."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from salesloop.migrations import alembic_config, upgrade

from orders.bootstrap import spec
from orders.models import metadata


def differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()


@pytest.mark.integration
def test_a_fresh_postgresql_database_upgraded_to_head_matches_the_models(postgres_url):
    upgrade(spec().migrations, postgres_url)

    assert differences(postgres_url) == []
    engine = create_engine(postgres_url)
    uniques = {c["name"] for c in inspect(engine).get_unique_constraints("orders")}
    engine.dispose()
    assert {"uq_orders_contract_id", "uq_orders_storefront_order_id"} <= uniques


def test_a_fresh_sqlite_database_upgraded_to_head_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'orders.sqlite3'}"
    upgrade(spec().migrations, url)

    assert differences(url) == []


def test_the_migrations_go_down_to_the_messaging_tables_and_up_again(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'orders.sqlite3'}"
    config = alembic_config(spec().migrations, url)
    command.upgrade(config, "head")
    command.downgrade(config, "0001")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version", "outbox", "inbox", "audit_log"}
    engine.dispose()
    command.upgrade(config, "head")
    assert differences(url) == []
