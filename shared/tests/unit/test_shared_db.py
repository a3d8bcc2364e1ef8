from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, update
from sqlalchemy.exc import OperationalError

from salesloop.db import Database, UtcDateTime


def _counter_db(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    counters = Table("counters", MetaData(), Column("n", Integer))
    counters.metadata.create_all(db.engine)
    with db.session() as setup, setup.begin():
        setup.execute(insert(counters).values(n=0))
    return db, counters


def _increment(db, counters):
    with db.session() as session, session.begin():
        seen = session.execute(select(counters.c.n)).scalar()
        session.execute(update(counters).values(n=seen + 1))


def test_concurrent_sqlite_writers_queue_instead_of_losing_updates(tmp_path):
    import threading

    db, counters = _counter_db(tmp_path)
    threads = [threading.Thread(target=lambda: [_increment(db, counters) for _ in range(20)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.session(writes=False) as check:
        assert check.execute(select(counters.c.n)).scalar() == 80


def test_a_read_only_unit_that_tries_to_write_on_a_stale_snapshot_is_refused(tmp_path):
    db, counters = _counter_db(tmp_path)
    reader = db.session(writes=False)
    seen = reader.execute(select(counters.c.n)).scalar()
    _increment(db, counters)
    with pytest.raises(OperationalError):
        reader.execute(update(counters).values(n=seen + 1))
    reader.rollback()
    reader.close()
    with db.session(writes=False) as check:
        assert check.execute(select(counters.c.n)).scalar() == 1


@pytest.mark.parametrize("url_kind", ["sqlite"])
def test_aware_times_keep_their_instant_on_sqlite(tmp_path, url_kind):
    db = Database(f"sqlite:///{tmp_path / 't.sqlite3'}")
    table = Table("times", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime()))
    table.metadata.create_all(db.engine)
    shanghai = timezone(timedelta(hours=8))
    written = datetime(2026, 11, 25, 9, 30, tzinfo=shanghai)
    with db.session() as session, session.begin():
        session.execute(insert(table).values(id=1, at=written))
    with db.session() as session:
        read = session.execute(select(table.c.at)).scalar()
    assert read == written and read.tzinfo == timezone.utc and read.hour == 1
    with db.session() as session:  # comparisons happen in UTC too
        assert session.execute(select(table.c.id).where(table.c.at < datetime(2026, 11, 25, 1, 31, tzinfo=timezone.utc))).scalar() == 1


def test_queries_are_traced_under_the_current_span(tmp_path, spans):
    from opentelemetry import trace

    db = Database(f"sqlite:///{tmp_path / 'traced.sqlite3'}")
    with trace.get_tracer("test").start_as_current_span("request") as parent:
        with db.session() as session:
            session.execute(select(1)).scalar()
    queries = [s for s in spans.get_finished_spans() if s.attributes.get("db.system") == "sqlite"]
    assert queries and all(s.parent.span_id == parent.get_span_context().span_id for s in queries)


def test_a_connection_in_use_a_moment_ago_is_not_pinged_and_an_idle_one_cut_away_is_replaced(postgres_url,
                                                                                            monkeypatch):
    """No ping round trip per unit of work under load; a connection that sat idle is pinged,
    and one the server dropped meanwhile is replaced before anyone uses it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    import salesloop.db as db_module

    db = Database(postgres_url)
    pings = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    try:
        with db.session() as session:
            first_pid = session.execute(text("select pg_backend_pid()")).scalar()
        for _ in range(3):
            with db.session() as session:
                assert session.execute(text("select pg_backend_pid()")).scalar() == first_pid
        assert pings == []
        killer = create_engine(postgres_url, poolclass=NullPool)
        with killer.begin() as other:
            other.execute(text("select pg_terminate_backend(:pid)"), {"pid": first_pid})
        killer.dispose()
        monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if idle for long
        with db.session() as session:
            assert session.execute(text("select pg_backend_pid()")).scalar() not in (first_pid, None)
        assert pings
    finally:
        db.dispose()
