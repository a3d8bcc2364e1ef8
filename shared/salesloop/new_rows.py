"""New rows written as one executemany per table instead of an ORM flush.

A worker's batch creates records by the dozen (an order is its row, a version, its
lines, its history and its stages), and the ORM's flush of them costs more than
building them: identity bookkeeping, a dependency sort per flush, per-object
history. Records that are new and complete (their keys and foreign keys set when
built) need none of it. ``NewRows`` gathers them, with the children shown on their
collections, and inserts them in the tables' dependency order.

They are written before the session runs any other statement or flushes the rows
it tracks, so a query later in the transaction sees them as it would see autoflushed
rows and a tracked row may refer to them, and at the latest at the commit. A
rollback drops them with everything else. They are gathered outside savepoints
only: a row would go in with whichever savepoint's statement came next. The objects
stay out of the session: they are the values that were written, not rows it tracks.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from sqlalchemy import Table, event, insert, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.orm.interfaces import ONETOMANY

SESSION_KEY = "salesloop.new_rows"


class NewRows:
    """The session's new rows, one collector per session (``NewRows.of``)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[object] = []
        event.listen(session, "do_orm_execute", self._before_statement)
        event.listen(session, "before_flush", self._before_flush)  # tracked rows may refer to these
        event.listen(session, "before_commit", self._before_commit)
        event.listen(session, "after_transaction_end", self._after_transaction)

    @classmethod
    def of(cls, session: Session) -> NewRows:
        if SESSION_KEY not in session.info:
            session.info[SESSION_KEY] = cls(session)
        return cast(NewRows, session.info[SESSION_KEY])

    def add(self, obj: object) -> None:
        """``obj`` and the rows on its loaded one-to-many collections (and theirs), to be inserted."""
        if self.session.in_nested_transaction():
            raise RuntimeError("new rows are gathered for a whole transaction, not inside a savepoint")
        if not self.session.in_transaction():
            self.session.begin()  # as Session.add does: its rollback then drops what was added
        self._pending.append(obj)

    def flush(self) -> None:
        """Insert what was added, one executemany per table and set of columns given."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        by_table: dict[Table, list[dict[str, Any]]] = {}
        for obj in _with_children(pending):
            by_table.setdefault(inspect(type(obj)).local_table, []).append(insert_values(obj))
        for table in _dependency_order(by_table):
            for rows in grouped_by_columns(by_table[table]):
                self.session.execute(insert(table), rows)

    def _before_statement(self, state: ORMExecuteState) -> None:
        self.flush()  # its inserts run through the session too: nothing is pending by then

    def _before_flush(self, session: Session, context: object, instances: object) -> None:
        self.flush()

    def _before_commit(self, session: Session) -> None:
        self.flush()

    def _after_transaction(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # committed (written before) or rolled back: nothing stays
            self._pending.clear()


def _with_children(objects: list[object]) -> Iterator[object]:
    """Each object, then the rows on its loaded one-to-many collections, depth first."""
    for obj in objects:
        yield obj
        mapper, loaded = inspect(type(obj)), obj.__dict__
        for relationship in mapper.relationships:
            if relationship.direction is ONETOMANY and relationship.key in loaded:
                yield from _with_children(list(loaded[relationship.key]))


def _dependency_order(tables: Iterable[Table]) -> list[Table]:
    """Parents before children, as the metadata sorts its tables by their foreign keys."""
    tables = list(tables)
    position = {table: index for index, table in enumerate(tables[0].metadata.sorted_tables)}
    return sorted(tables, key=position.__getitem__)


def insert_values(obj: object) -> dict[str, Any]:
    """The columns an ORM flush would insert: those given a value (an unset one takes its
    column's default, and a JSON column left unset is SQL NULL, not JSON null)."""
    mapper = inspect(type(obj))
    given = obj.__dict__
    values = {column.key: given[prop.key] for prop in mapper.column_attrs
              for column in prop.columns if prop.key in given}
    if mapper.version_id_col is not None:
        values.setdefault(mapper.version_id_col.key, 1)  # the ORM numbers a new row's first version 1
    return values


def grouped_by_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One list per set of keys: an executemany's rows must all name the same columns."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return list(groups.values())
