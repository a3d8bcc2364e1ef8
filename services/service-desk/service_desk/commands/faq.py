"""The FAQ knowledge base: written by the desk, searched by agents and customers."""
from __future__ import annotations

from sqlalchemy import select

from salesloop.web.auth import Principal

from service_desk.commands.common import new_id, utcnow
from service_desk.domain.errors import UnknownRecord
from service_desk.domain.faq import FaqEntry, FaqMatch, search
from service_desk.models import FaqEntryRow
from service_desk.repository import get_row

FAQ_FIELDS = ("question", "answer", "keywords", "published")


def create_entry(uow, principal: Principal, data: dict) -> FaqEntryRow:
    now = utcnow()
    row = FaqEntryRow(id=new_id(), question=data["question"].strip(), answer=data["answer"].strip(),
                      keywords=list(data.get("keywords", ())), published=data.get("published", True),
                      created_at=now, updated_at=now, updated_by=principal.user)
    uow.add(row)
    return row


def update_entry(uow, principal: Principal, entry_id: str, data: dict) -> FaqEntryRow:
    row = get_row(uow, FaqEntryRow, entry_id, "FAQ entry")
    for key in FAQ_FIELDS:
        if key in data:
            setattr(row, key, data[key].strip() if isinstance(data[key], str) else data[key])
    row.updated_at, row.updated_by = utcnow(), principal.user
    return row


def delete_entry(uow, entry_id: str) -> None:
    uow.session.delete(get_row(uow, FaqEntryRow, entry_id, "FAQ entry"))


def search_entries(uow, query: str, *, include_unpublished: bool) -> list[dict]:
    """Entries matching ``query``, best first; every entry, oldest first, without one."""
    rows = _entries(uow, include_unpublished)
    if not query.strip():
        return [_view(row) for row in rows]
    by_id = {row.id: row for row in rows}
    entries = [FaqEntry(row.id, row.question, row.answer, tuple(row.keywords or ())) for row in rows]
    return [_view(by_id[match.entry.id], match) for match in search(query, entries, limit=len(entries))]


def _view(row: FaqEntryRow, match: FaqMatch | None = None) -> dict:
    view = {key: getattr(row, key) for key in ("id", "question", "answer", "keywords", "published", "updated_at")}
    view["score"] = match.score if match else None
    view["matched_terms"] = list(match.matched_terms) if match else None
    return view


def _entries(uow, include_unpublished: bool) -> list[FaqEntryRow]:
    query = select(FaqEntryRow).order_by(FaqEntryRow.created_at, FaqEntryRow.id)
    if not include_unpublished:
        query = query.where(FaqEntryRow.published.is_(True))
    return list(uow.session.execute(query).scalars())


def visible_entry(uow, entry_id: str, include_unpublished: bool) -> FaqEntryRow:
    row = get_row(uow, FaqEntryRow, entry_id, "FAQ entry")
    if not row.published and not include_unpublished:
        raise UnknownRecord(f"no FAQ entry {entry_id}")  # a draft does not exist for the public
    return row
