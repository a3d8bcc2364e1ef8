"""One check every service runs on its migrations: a fresh database upgraded to
head has exactly the models' tables and no difference from them; going down to
the messaging tables (0001) and up again works."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from salesloop.migrations import alembic_config, upgrade

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from salesloop.service import ServiceSpec

MESSAGING_TABLES = {"outbox", "inbox", "audit_log"}


def schema_differences(url: str, metadata: MetaData) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return cast("list[Any]", compare_metadata(context, metadata))  # alembic's diffs: tuples and lists
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def assert_migrations_match_models(spec: ServiceSpec, url: str, service_tables: set[str]) -> None:
    migrations = cast(Path, spec.migrations)  # ServiceSpec.assemble sets it
    upgrade(migrations, url)
    assert table_names(url) == service_tables | MESSAGING_TABLES
    assert schema_differences(url, spec.metadata) == []
    command.downgrade(alembic_config(migrations, url), "0001")
    assert table_names(url) == MESSAGING_TABLES
    upgrade(migrations, url)
    assert schema_differences(url, spec.metadata) == []
