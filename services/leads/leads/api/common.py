"""What every resource needs: the caller, paging, sorting, date ranges and 404s."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from salesloop.web.app import uow
from salesloop.web.auth import Principal, current_principal
from salesloop.web.errors import Problem

from leads.models import Customer, Lead
from leads.repository import customer_visible, lead_visible

WRITERS = ("rep", "supervisor", "manager", "director", "admin", "ops", "cs_agent")
# A storefront may hand over a lead or a customer it met; working them is for people.
CAPTURERS = (*WRITERS, "storefront")
SUPERVISORS = ("supervisor", "manager", "director", "admin")


def now() -> datetime:
    return datetime.now(timezone.utc)


def not_found(what: str) -> Problem:
    return Problem(404, "Not Found", f"No such {what}.", kind="not-found")


def visible_lead(lead_id: str, *, lock: bool = False) -> Lead:
    """The lead if the caller may see it; otherwise 404, so its existence is not revealed."""
    query = select(Lead).where(Lead.id == lead_id)
    if lock:
        query = query.with_for_update()
    lead = uow().session.execute(query).scalar_one_or_none()
    if lead is None or not lead_visible(current_principal(), lead):
        raise not_found("lead")
    return lead


def visible_customer(customer_id: str) -> Customer:
    customer = uow().session.get(Customer, customer_id)
    if customer is None or not customer_visible(current_principal(), customer):
        raise not_found("customer")
    return customer


def order_by(sort: str, columns: dict, tiebreak) -> list:
    """"-captured_at" → captured_at descending; an unknown key is a 422 naming ``sort``."""
    descending = sort.startswith("-")
    key = sort.lstrip("-+")
    if key not in columns:
        raise Problem(422, "Unprocessable Entity", "The request has invalid fields.", kind="validation-error",
                      errors={"sort": [f"Sort by one of: {', '.join(sorted(columns))}."]})
    column = columns[key]
    return [column.desc() if descending else column.asc(), tiebreak]


def page_of(session, query, args: dict, present) -> dict:
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
    page, size = args["page"], args["page_size"]
    rows = session.execute(query.limit(size).offset((page - 1) * size)).scalars().all()
    return {"items": [present(row) for row in rows], "page": page, "page_size": size, "total": total}


def day_bounds(first: date | None, last: date | None, zone: str) -> tuple[datetime | None, datetime | None]:
    """Inclusive local dates as a half-open UTC range [start, end)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time.min, tzinfo=tz).astimezone(timezone.utc) if first else None
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz).astimezone(timezone.utc) if last else None
    return start, end


def team_scoped(principal: Principal) -> bool:
    """A supervisor acts within their team; managers and above across it."""
    return principal.scope == "team"
