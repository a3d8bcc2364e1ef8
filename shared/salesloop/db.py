"""Database engines and the unit of work shared by HTTP requests and event handlers."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, DateTime, Dialect, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.pool import ConnectionPoolEntry


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # API, worker and relay share one SQLite file in the embedded default:
    # WAL lets readers and one writer work together, busy_timeout waits for the lock.
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # pysqlite starts no transaction before a SELECT, so a read-then-write between
    # the API, worker and relay processes could lose an update. A unit of work that
    # will write takes the write lock at BEGIN (IMMEDIATE): writers queue behind
    # busy_timeout instead of failing on a stale snapshot. Read-only units begin
    # deferred, and WAL keeps them flowing beside the writer.
    writes = connection.get_execution_options().get("salesloop_writes", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    pre_ping = kwargs.pop("pool_pre_ping", None)
    engine = create_engine(url, pool_pre_ping=bool(pre_ping), **kwargs)
    if pre_ping is None:
        _ping_when_idle(engine)
    return engine


# A connection given back to the pool less than this long ago was working then: it is handed
# out again without a ping. One that sat idle longer (the database may have restarted, a
# proxy may have cut it) is pinged first and replaced when the ping fails, as pool_pre_ping
# would. Pinging every checkout cost a round trip per unit of work — per request, twice
# with the audit line — and a disconnect met in use still invalidates the whole pool.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "salesloop_idle_since"


def _ping_when_idle(engine: Engine) -> None:
    dialect = engine.dialect

    def checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # just connected, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"the pooled connection failed its ping: {exc}") from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _instrument(engine: Engine) -> None:
    """SQLAlchemy spans under the request's or the handler's span (DESIGN §5).

    The instrumentor is a process-wide singleton that traces only the engine it is
    first given; later engines (tests, several runtimes) get their own EngineTracer.
    It declares SQLAlchemy < 2.1 but only uses engine events that 2.1 keeps
    unchanged (test_shared_db checks the spans), so its version gate is skipped.
    """
    from opentelemetry import metrics, trace
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    instrumentor = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(engine=engine, enable_commenter=False, skip_dep_check=True)
        return
    usage = metrics.get_meter("salesloop.db").create_up_down_counter(
        "db.client.connections.usage", unit="connections")
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    EngineTracer(tracer, engine, usage)  # type: ignore[no-untyped-call]  # unannotated upstream


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite keeps no offset: without this an aware +08:00 time would be stored as
    its local wall-clock time and read back naive, eight hours off."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give times with their offset")
        return value.astimezone(timezone.utc) if dialect.name != "sqlite" else value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Database:
    """An engine and its session factory, built by the composition root."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        _instrument(self.engine)
        self.sessions = sessionmaker(self.engine.execution_options(salesloop_writes=True), expire_on_commit=False)
        self.read_sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, writes: bool = True) -> Session:
        """A session; ``writes=False`` for read-only work (matters on SQLite only)."""
        return self.sessions() if writes else self.read_sessions()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
