"""At commit on PostgreSQL a transaction's events and audit lines go out in one
statement whose text does not depend on how many rows it carries (DESIGN.md §4:
the outbox commits with the change): every row lands with the values given,
times with their offsets, absent values as NULL."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, text

from demo_service import alpha_spec, app_factory

pytestmark = pytest.mark.integration


@pytest.fixture
def alpha(service_harness, postgres_url):
    harness = service_harness(alpha_spec(), app_factory, database_url=postgres_url)
    yield harness
    harness.close()


def commit_statements(runtime, work) -> list[str]:
    """What a unit of work sent at its commit, after ``work(uow)``."""
    sent: list[str] = []
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    uow = runtime.uow()
    try:
        work(uow)
        event.listen(runtime.database.engine, "before_cursor_execute", listener)
        uow.commit()
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", listener)
        uow.close()
    return sent


def notes(uow, count: int, at: datetime) -> None:
    for n in range(count):
        uow.publish("demo.note.created", {"note_id": n, "text": f"note {n}", "author": None},
                    subject=None if n else "note-0", time=at)
    uow.audit("create", f"/notes/{count}", actor=None if count == 1 else "rep-7", roles=("rep", "lead"),
              status=201, request_id="req-1", detail={"count": count, "text": "备注"})


def test_one_row_or_many_go_in_the_same_statement(alpha):
    at = datetime(2026, 5, 12, 3, 4, 5, 678901, tzinfo=timezone.utc)
    one = commit_statements(alpha.runtime, lambda uow: notes(uow, 1, at))
    three = commit_statements(alpha.runtime, lambda uow: notes(uow, 3, at))

    assert len(one) == len(three) == 1  # audit lines, events and the NOTIFY: one round trip
    assert one == three  # compiled once, prepared by the server: a multi-row VALUES differs per count
    assert one[0].startswith("WITH written_audit_log AS") and "pg_notify" in one[0]


def test_every_row_lands_with_its_values(alpha):
    at = datetime(2026, 5, 12, 3, 4, 5, 678901, tzinfo=timezone.utc)
    uow = alpha.runtime.uow()
    notes(uow, 3, at)
    published = list(uow.published)
    uow.commit()
    uow.close()

    with alpha.runtime.database.session() as session:
        events = session.execute(text(
            "select event_id, event_type, subject, envelope, trace_headers, sent_at, attempts, created_at "
            "from outbox order by id")).all()
        lines = session.execute(text(
            "select at, actor, roles, action, resource, status, request_id, detail from audit_log")).all()
    assert [(row.event_id, row.event_type, row.subject) for row in events] == [
        (envelope.id, "demo.note.created", envelope.subject) for envelope in published]
    assert [row.subject for row in events] == ["note-0", None, None]
    assert [row.envelope for row in events] == [envelope.to_json() for envelope in published]
    assert all(row.sent_at is None and row.attempts == 0 and row.created_at.tzinfo for row in events)
    line, = lines
    assert line.at.tzinfo is not None and abs((line.at - datetime.now(timezone.utc)).total_seconds()) < 60
    assert (line.actor, line.roles, line.action, line.resource, line.status, line.request_id) == (
        "rep-7", "rep,lead", "create", "/notes/3", 201, "req-1")
    assert line.detail == '{"count": 3, "text": "备注"}'


def test_a_naive_time_is_refused_and_nothing_is_written(alpha):
    uow = alpha.runtime.uow()
    notes(uow, 1, datetime(2026, 5, 12, 3, tzinfo=timezone.utc))
    uow._audit_rows[0]["at"] = datetime(2026, 5, 12, 3)  # as a careless caller might build one
    with pytest.raises(TypeError, match="cannot write"):
        uow.commit()
    uow.rollback()
    uow.close()

    with alpha.runtime.database.session() as session:
        assert session.execute(text("select count(*) from outbox")).scalar() == 0
        assert session.execute(text("select count(*) from audit_log")).scalar() == 0
