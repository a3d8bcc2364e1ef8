"""The messaging tables every service keeps in its own database.

``add_messaging_tables(metadata)`` puts them in the service's metadata so its
Alembic migrations create them alongside the service's own tables.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from salesloop.db import UtcDateTime

OUTBOX = "outbox"
INBOX = "inbox"
AUDIT = "audit_log"

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_id_type = BigInteger().with_variant(Integer, "sqlite")


def add_messaging_tables(metadata: MetaData) -> None:
    Table(
        OUTBOX,
        metadata,
        Column("id", _id_type, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(120), nullable=False),
        Column("subject", String(120)),
        Column("envelope", Text, nullable=False),
        Column("trace_headers", Text, nullable=False, default="{}"),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime()),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime()),
        Column("last_error", Text),
        Index("ix_outbox_unsent", "sent_at", "id"),
    )
    Table(
        INBOX,
        metadata,
        Column("event_id", String(200), primary_key=True),
        Column("event_type", String(120), nullable=False),
        Column("source", String(200)),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    Table(
        AUDIT,
        metadata,
        Column("id", _id_type, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("actor", String(120)),
        Column("roles", String(200)),
        Column("action", String(40), nullable=False),
        Column("resource", String(300), nullable=False),
        Column("status", Integer),
        Column("request_id", String(64)),
        Column("detail", Text),
    )
