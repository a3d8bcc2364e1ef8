"""The unit of work: one database transaction, its events and its audit lines.

HTTP views and event handlers get the same object; whatever they change and the
events they publish commit together (the transactional outbox) or not at all.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from opentelemetry import propagate
from sqlalchemy import MetaData, insert
from sqlalchemy.orm import Session

from salesloop.messaging.catalog import EventCatalog
from salesloop.messaging.envelope import Envelope
from salesloop.messaging.tables import AUDIT, INBOX, OUTBOX


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UnitOfWork:
    def __init__(self, session: Session, catalog: EventCatalog, metadata: MetaData, settings=None):
        self.session = session
        self.catalog = catalog
        self.metadata = metadata
        self.settings = settings
        self.published: list[Envelope] = []

    def _table(self, name: str):
        return self.metadata.tables[name]

    # -- events -----------------------------------------------------------
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
        self.session.execute(
            insert(self._table(OUTBOX)).values(
                event_id=envelope.id,
                event_type=event_type,
                subject=envelope.subject,
                envelope=envelope.to_json(),
                trace_headers=json.dumps(carrier),
                created_at=utcnow(),
                attempts=0,
            )
        )
        self.published.append(envelope)
        return envelope

    # -- inbox ------------------------------------------------------------
    def already_processed(self, event_id: str) -> bool:
        inbox = self._table(INBOX)
        found = self.session.execute(
            inbox.select().with_only_columns(inbox.c.event_id).where(inbox.c.event_id == event_id)
        ).first()
        return found is not None

    def mark_processed(self, envelope: Envelope) -> None:
        self.session.execute(
            insert(self._table(INBOX)).values(
                event_id=envelope.id,
                event_type=envelope.type,
                source=envelope.source[:200],
                processed_at=utcnow(),
            )
        )

    # -- audit ------------------------------------------------------------
    def audit(self, action: str, resource: str, *, actor=None, roles=(), status=None,
              request_id=None, detail: dict | None = None) -> None:
        self.session.execute(
            insert(self._table(AUDIT)).values(
                at=utcnow(), actor=actor, roles=",".join(roles), action=action,
                resource=resource[:300], status=status, request_id=request_id,
                detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
            )
        )

    # -- transaction --------------------------------------------------------
    def add(self, obj) -> None:
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
        self.published.clear()

    def close(self) -> None:
        self.session.close()
