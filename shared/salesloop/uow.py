"""The unit of work: one database transaction, its events and its audit lines.

HTTP views and event handlers get the same object; whatever they change and the
events they publish commit together (the transactional outbox) or not at all.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from opentelemetry import propagate
from sqlalchemy import MetaData, Table, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from salesloop.messaging.catalog import EventCatalog
from salesloop.messaging.envelope import Envelope
from salesloop.messaging.tables import AUDIT, INBOX, OUTBOX
from salesloop.messaging.wakeup import CHANNEL as OUTBOX_CHANNEL

if TYPE_CHECKING:
    from salesloop.config import Settings


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


_RECORDSET_INSERTS: dict[tuple[Any, ...], str] = {}


def _recordset_insert(shape: tuple[tuple[str, tuple[str, ...]], ...], dialect: Dialect, metadata: MetaData) -> str:
    """``WITH written_<table> AS (INSERT … SELECT … FROM jsonb_to_recordset(:<table>)) …
    SELECT pg_notify(…)`` for these tables and columns, built once per shape."""
    key = (shape, dialect.name)  # every service's outbox and audit tables are the same (messaging.tables)
    if key not in _RECORDSET_INSERTS:
        quote = dialect.identifier_preparer.quote
        ctes = []
        for name, columns in shape:
            table = metadata.tables[name]
            names = ", ".join(quote(column) for column in columns)
            typed = ", ".join(f"{quote(column)} {table.c[column].type.compile(dialect=dialect)}" for column in columns)
            ctes.append(f"written_{name} AS (INSERT INTO {quote(name)} ({names}) SELECT {names} "
                        f"FROM jsonb_to_recordset(CAST(:{name} AS jsonb)) AS rows({typed}))")
        wake = any(name == OUTBOX for name, _ in shape)
        _RECORDSET_INSERTS[key] = f"WITH {', '.join(ctes)} SELECT " + (
            f"pg_notify('{OUTBOX_CHANNEL}', '')" if wake else "1")
    return _RECORDSET_INSERTS[key]


def _iso_time(value: object) -> str:
    # The rows' times, always aware (utcnow); a naive one would be read in the server's zone.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()
    raise TypeError(f"cannot write {value!r} as a row value")


class UnitOfWork:
    def __init__(self, session: Session, catalog: EventCatalog, metadata: MetaData,
                 settings: Settings | None = None) -> None:
        self.session = session
        self.catalog = catalog
        self.metadata = metadata
        self.settings = settings
        self.published: list[Envelope] = []
        self._emitted: list[Any] = []
        self._deferred: dict[str, Any] = {}
        self._outbox_rows: list[dict[str, Any]] = []
        self._audit_rows: list[dict[str, Any]] = []

    def _table(self, name: str) -> Table:
        return self.metadata.tables[name]

    # -- events -----------------------------------------------------------
    def emit(self, *domain_events: Any) -> None:
        """Collect domain events; at commit each becomes its integration events in the outbox."""
        self._emitted.extend(domain_events)

    def publish_emitted(self) -> list[Envelope]:
        """Write the collected domain events to the outbox now (commit does it too)."""
        pending, self._emitted = self._emitted, []
        return [self.publish(out.type, out.data, subject=out.subject, time=out.time)
                for event in pending for out in self.catalog.translate(event)]

    def publish(self, event_type: str, data: dict[str, Any], *, subject: str | None = None,
                time: datetime | None = None) -> Envelope:
        """Write the event to the outbox inside this transaction."""
        definition = self.catalog.get(event_type)
        envelope = Envelope(
            type=event_type,
            source=self.catalog.source,
            data=self.catalog.serialize(event_type, data),
            subject=None if subject is None else str(subject),
            dataversion=definition.version,
            time=(time or utcnow()).isoformat(),
        )
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # the relay continues this trace when it publishes
        # Written at commit, all rows in one statement: an insert per event would
        # cost a round trip each and flush the session early every time.
        self._outbox_rows.append({
            "event_id": envelope.id, "event_type": event_type, "subject": envelope.subject,
            "envelope": envelope.to_json(), "trace_headers": json.dumps(carrier), "created_at": utcnow(),
            "attempts": 0,
        })
        self.published.append(envelope)
        return envelope

    def write_outbox(self) -> None:
        """Insert the events published and the audit lines so far (commit does it too)."""
        written = [(name, rows) for name, rows in ((AUDIT, self._audit_rows), (OUTBOX, self._outbox_rows)) if rows]
        self._audit_rows, self._outbox_rows = [], []
        if not written:
            return
        if self.session.get_bind().dialect.name != "postgresql":
            for name, rows in written:
                self.session.execute(insert(self._table(name)), rows)
            return
        # One statement, one round trip: each table's rows in a CTE of their own, and
        # with events a NOTIFY, delivered at commit, so an idle relay wakes now
        # instead of at its next poll. The rows travel as one JSON parameter per table,
        # so the statement's text is the same whatever the count: compiled once,
        # prepared by the server, where a multi-row VALUES is compiled anew every time.
        shape = tuple((name, tuple(rows[0])) for name, rows in written)
        sql = _recordset_insert(shape, self.session.get_bind().dialect, self.metadata)
        self.session.execute(text(sql), {name: json.dumps(rows, default=_iso_time) for name, rows in written})

    # -- inbox ------------------------------------------------------------
    def already_processed(self, event_id: str) -> bool:
        inbox = self._table(INBOX)
        found = self.session.execute(
            inbox.select().with_only_columns(inbox.c.event_id).where(inbox.c.event_id == event_id)
        ).first()
        return found is not None

    def processed_among(self, event_ids: list[str]) -> set[str]:
        """Which of these event ids the inbox already holds (one query for a batch)."""
        if not event_ids:
            return set()
        inbox = self._table(INBOX)
        rows = self.session.execute(
            inbox.select().with_only_columns(inbox.c.event_id).where(inbox.c.event_id.in_(set(event_ids)))
        )
        return {row.event_id for row in rows}

    def mark_processed(self, envelope: Envelope) -> None:
        self.mark_all_processed([envelope])

    def mark_all_processed(self, envelopes: list[Envelope]) -> None:
        if not envelopes:
            return
        now = utcnow()
        self.session.execute(insert(self._table(INBOX)), [
            {"event_id": envelope.id, "event_type": envelope.type, "source": envelope.source[:200],
             "processed_at": now}
            for envelope in envelopes])

    # -- audit ------------------------------------------------------------
    def audit(self, action: str, resource: str, *, actor: str | None = None, roles: Iterable[str] = (),
              status: int | None = None, request_id: str | None = None, detail: dict[str, Any] | None = None) -> None:
        """An audit line, written at commit with the transaction's other rows."""
        self._audit_rows.append({
            "at": utcnow(), "actor": actor, "roles": ",".join(roles), "action": action, "resource": resource[:300],
            "status": status, "request_id": request_id,
            "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        })

    # -- writes gathered over the transaction ---------------------------------
    def deferred(self, key: str, create: Callable[[], Any]) -> Any:
        """One collector per transaction, created on first use and flushed just
        before commit: what many handlers of a batch add up is written once."""
        if key not in self._deferred:
            self._deferred[key] = create()
        return self._deferred[key]

    def flush_deferred(self) -> None:
        pending, self._deferred = self._deferred, {}
        for collector in pending.values():
            collector.flush()

    # -- transaction --------------------------------------------------------
    def add(self, obj: object) -> None:
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.flush_deferred()
        self.publish_emitted()
        self.write_outbox()
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
        self.published.clear()
        self._outbox_rows.clear()
        self._audit_rows.clear()
        self._emitted.clear()
        self._deferred.clear()

    def close(self) -> None:
        self.session.close()
