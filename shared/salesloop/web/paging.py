"""One page of a query, in the one list envelope every list answers with."""
from __future__ import annotations

from typing import Any
from collections.abc import Callable

from sqlalchemy import ScalarResult, Select, func, select
from sqlalchemy.orm import Session

from salesloop.web.fields import offset_of, page_of


def select_page(session: Session, query: Select[Any], args: dict[str, Any],
                present: Callable[[Any], Any] = lambda row: row) -> dict[str, Any]:
    """``{items, page, page_size, total}`` of a SELECT, ``args`` from a PageArgs schema."""
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows: ScalarResult[Any] = session.execute(query.offset(offset_of(args)).limit(args["page_size"])).scalars()
    return page_of([present(row) for row in rows], args, total)


def list_page(items: list[Any], args: dict[str, Any]) -> dict[str, Any]:
    """The same for a list already in memory."""
    start = offset_of(args)
    return page_of(items[start:start + args["page_size"]], args, len(items))
