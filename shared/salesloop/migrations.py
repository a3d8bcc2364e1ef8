"""Alembic, per service: each service keeps its migrations inside its package.

Before migrating, the database is checked (and on request created), so a
missing database or an unreachable server is one clear sentence, not a
SQLAlchemy traceback.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from salesloop.db import make_engine

if TYPE_CHECKING:
    from sqlalchemy import MetaData


class DatabaseUnavailable(RuntimeError):
    """The service's database cannot be reached or does not exist."""


def alembic_config(migrations: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(migrations: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations, database_url), revision)


def prepare_database(database_url: str, *, create: bool = False) -> bool:
    """Check the database answers; with ``create``, make a missing one. True if created."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return False
    try:
        _ping(database_url)
        return False
    except OperationalError as exc:
        if not _missing(url):
            raise DatabaseUnavailable(f"cannot reach the database server at {_where(url)}: "
                                      f"{_first_line(exc)}") from None
        if not create:
            raise DatabaseUnavailable(f"database {url.database!r} does not exist on {_where(url)}; "
                                      "create it, or run `make db` (migrate --create-database)") from None
    _create(url)
    return True


def _ping(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def _create(url: URL) -> None:
    # CREATE DATABASE cannot run in a transaction, and needs a database to connect to.
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    quoted = '"' + cast(str, url.database).replace('"', '""') + '"'  # the one _missing found absent
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {quoted}"))
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot create database {url.database!r} on {_where(url)}: "
                                  f"{_first_line(exc)}") from None
    finally:
        admin.dispose()


def _missing(url: URL) -> bool:
    """Whether the server answers but has no such database (a failed connect says neither)."""
    admin = create_engine(url.set(database="postgres"), poolclass=pool.NullPool)
    try:
        with admin.connect() as connection:
            found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": url.database}).first()
        return found is None
    except OperationalError:
        return False
    finally:
        admin.dispose()


def _where(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def _first_line(exc: Exception) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    from alembic import context

    config = context.config
    url = cast(str, config.get_main_option("sqlalchemy.url"))  # alembic_config always sets it
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
