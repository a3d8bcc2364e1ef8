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
from functools import cache
from typing import Any, cast

from sqlalchemy import MetaData, Table, event, insert, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.orm.interfaces import ONETOMANY

SESSION_KEY = "salesloop.new_rows"


class NewRows:
    """The session's new rows, one collector per session (``NewRows.of``)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[object] = []

    @classmethod
    def of(cls, session: Session) -> NewRows:
        if SESSION_KEY not in session.info:
            _listen_to_sessions()
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
        """Insert what was added, one executemany (or execute, for one row) per table and set of columns given."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        by_table: dict[Table, list[dict[str, Any]]] = {}
        for obj in _with_children(pending):
            by_table.setdefault(inspect(type(obj)).local_table, []).append(insert_values(obj))
        for table in _dependency_order(by_table):
            for rows in grouped_by_columns(by_table[table]):
                # A lone row goes as a plain execute: psycopg's executemany enters and
                # leaves pipeline mode around it, a third more CPU for a single row.
                self.session.execute(insert(table), rows[0] if len(rows) == 1 else rows)

    def discard(self) -> None:
        self._pending.clear()


# Listened to on every session, once, from the first collector on: a listener per session
# costs its registration on every request, where these cost a dict lookup per statement.
def _listen_to_sessions() -> None:
    if not event.contains(Session, "do_orm_execute", _before_statement):
        event.listen(Session, "do_orm_execute", _before_statement)
        event.listen(Session, "before_flush", _before_flush)  # tracked rows may refer to new ones
        event.listen(Session, "before_commit", _flush_new_rows)
        event.listen(Session, "after_transaction_end", _after_transaction)


def _flush_new_rows(session: Session) -> None:
    rows = session.info.get(SESSION_KEY)
    if rows is not None:
        rows.flush()  # its inserts run through the session too: nothing is pending by then


def _before_statement(state: ORMExecuteState) -> None:
    _flush_new_rows(state.session)


def _before_flush(session: Session, context: object, instances: object) -> None:
    _flush_new_rows(session)


def _after_transaction(session: Session, transaction: SessionTransaction) -> None:
    rows = session.info.get(SESSION_KEY)
    if rows is not None and transaction.parent is None:  # committed (written) or rolled back
        rows.discard()


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
    position = _positions(tables[0].metadata)
    if not all(table in position for table in tables):  # a table defined since: sort again
        _positions.cache_clear()
        position = _positions(tables[0].metadata)
    return sorted(tables, key=position.__getitem__)


@cache
def _positions(metadata: MetaData) -> dict[Table, int]:
    return {table: index for index, table in enumerate(metadata.sorted_tables)}


def insert_values(obj: object) -> dict[str, Any]:
    """The columns an ORM flush would insert: those given a value, and those with a default
    in Python (a scalar or a function), which the object is given too, as a flush gives it.
    A column left unset without one is NULL (a JSON column: SQL NULL, not JSON null), or
    the database's own default."""
    mapper = inspect(type(obj))
    given = obj.__dict__
    values = {}
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if prop.key in given:
            values[column.key] = given[prop.key]
        elif column is mapper.version_id_col:
            values[column.key] = 1  # the ORM numbers a new row's first version 1
            setattr(obj, prop.key, 1)
        elif column.default is not None and (column.default.is_scalar or column.default.is_callable):
            default = column.default.arg
            values[column.key] = default(None) if column.default.is_callable else default
            setattr(obj, prop.key, values[column.key])
    return values


def grouped_by_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One list per set of keys: an executemany's rows must all name the same columns."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return list(groups.values())
