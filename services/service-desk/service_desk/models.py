"""The Service desk service's tables (its own database only)."""
from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from salesloop.messaging.tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata
