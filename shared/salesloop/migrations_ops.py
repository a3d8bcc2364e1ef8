"""Migration steps for the tables the shared library owns in every service database."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection, MetaData

from salesloop.messaging.tables import AUDIT, INBOX, OUTBOX, add_messaging_tables


class MigrationOps(Protocol):
    """What these steps use of ``alembic.op`` (the module, or an ``Operations``)."""

    def get_bind(self) -> Connection: ...

    def drop_table(self, table_name: str) -> None: ...


def _messaging_metadata() -> MetaData:
    metadata = MetaData()
    add_messaging_tables(metadata)
    return metadata


def create_messaging_tables(op: MigrationOps) -> None:
    # Created from the library's own definition so every service gets the same
    # shape; later changes to these tables come as numbered steps here too.
    _messaging_metadata().create_all(op.get_bind())


def drop_messaging_tables(op: MigrationOps) -> None:
    for name in (AUDIT, INBOX, OUTBOX):
        op.drop_table(name)


def create_fx_table(op: MigrationOps) -> None:
    """The dated exchange-rate table of salesloop.fx, for services that book money."""
    from salesloop.fx import add_fx_table

    metadata = MetaData()
    add_fx_table(metadata)
    metadata.create_all(op.get_bind())
