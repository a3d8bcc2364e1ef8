"""The read side: filtered, sorted, paginated lists within the caller's visibility."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from salesloop.web.auth import Principal, visibility_clause

from service_desk.models import CareTaskRow, CustomerRow, InteractionRow, QaReviewRow, SurveyRow, TicketRow

ACTIVE = ("open", "in_progress", "waiting_on_customer")
PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
WITH_HISTORY = (selectinload(TicketRow.changes), selectinload(TicketRow.resolutions), selectinload(TicketRow.notes))


def page_of(uow, query, model, args: dict, page: int, page_size: int, sorts: dict) -> tuple[list, int]:
    total = uow.session.execute(select(func.count()).select_from(query.with_only_columns(model.id).subquery())).scalar()
    key = args.get("sort") or ""
    column = sorts[key.lstrip("-")]
    ordered = column.desc() if key.startswith("-") else column.asc()
    rows = uow.session.execute(
        query.order_by(ordered, model.id).offset((page - 1) * page_size).limit(page_size)
    ).scalars().all()
    return rows, total


def _equal(query, model, args: dict, *names: str):
    for name in names:
        if args.get(name) is not None:
            query = query.where(getattr(model, name) == args[name])
    return query


# -- tickets ----------------------------------------------------------------------------------------


def tickets(uow, principal: Principal, args: dict, page: int, page_size: int, now: datetime):
    query = select(TicketRow).where(visibility_clause(principal, TicketRow.agent_id, TicketRow.team, TicketRow.region))
    query = query.options(*WITH_HISTORY)  # every listed ticket shows its live SLA clock
    query = _equal(query, TicketRow, args, "status", "priority", "channel", "customer_id", "order_id", "agent_id")
    if args.get("type"):
        query = query.where(TicketRow.ticket_type == args["type"])
    if args.get("received_from"):
        query = query.where(TicketRow.received_at >= args["received_from"])
    if args.get("received_to"):
        query = query.where(TicketRow.received_at < args["received_to"])
    if args.get("overdue") is not None:
        query = query.where(_overdue(now) if args["overdue"] else ~_overdue(now))
    priority_rank = case(PRIORITY_ORDER, value=TicketRow.priority, else_=9)
    sorts = {"received_at": TicketRow.received_at, "resolution_due_at": TicketRow.resolution_due_at,
             "first_response_due_at": TicketRow.first_response_due_at, "priority": priority_rank}
    return page_of(uow, query, TicketRow, args, page, page_size, sorts)


def _overdue(now: datetime):
    """Past a due time the stored clock knows of (refreshed by every move and by the SLA sweep)."""
    first_late = and_(TicketRow.responded_at.is_(None), TicketRow.first_response_due_at <= now)
    return and_(TicketRow.status.in_(ACTIVE), or_(first_late, TicketRow.resolution_due_at <= now))


# -- surveys, interactions, reviews --------------------------------------------------------------------


def surveys(uow, principal: Principal, args: dict, page: int, page_size: int):
    query = select(SurveyRow).where(visibility_clause(principal, SurveyRow.rep_id, SurveyRow.team, SurveyRow.region))
    query = _equal(query, SurveyRow, args, "order_id", "ticket_id", "customer_id", "rep_id")
    if args.get("answered") is not None:
        answered = SurveyRow.answered_at.is_not(None)
        query = query.where(answered if args["answered"] else ~answered)
    sorts = {"sent_at": SurveyRow.sent_at, "answered_at": SurveyRow.answered_at}
    return page_of(uow, query, SurveyRow, args, page, page_size, sorts)


def interactions(uow, principal: Principal, args: dict, page: int, page_size: int):
    query = select(InteractionRow).where(
        visibility_clause(principal, InteractionRow.agent_id, InteractionRow.team, InteractionRow.region))
    query = _equal(query, InteractionRow, args, "agent_id", "customer_id", "ticket_id", "channel")
    if args.get("has_violations") is not None:
        flagged = InteractionRow.violation_count > 0
        query = query.where(flagged if args["has_violations"] else ~flagged)
    if args.get("started_from"):
        query = query.where(InteractionRow.started_at >= args["started_from"])
    if args.get("started_to"):
        query = query.where(InteractionRow.started_at < args["started_to"])
    sorts = {"started_at": InteractionRow.started_at, "violation_count": InteractionRow.violation_count}
    return page_of(uow, query, InteractionRow, args, page, page_size, sorts)


def reviews(uow, principal: Principal, args: dict, page: int, page_size: int):
    query = select(QaReviewRow).where(
        visibility_clause(principal, QaReviewRow.agent_id, QaReviewRow.team, QaReviewRow.region))
    query = _equal(query, QaReviewRow, args, "agent_id", "status")
    if args.get("period_from"):
        query = query.where(QaReviewRow.period_start >= args["period_from"])
    sorts = {"sampled_at": QaReviewRow.sampled_at, "score": QaReviewRow.score}
    return page_of(uow, query, QaReviewRow, args, page, page_size, sorts)


# -- customers and care ---------------------------------------------------------------------------------


def customers(uow, principal: Principal, args: dict, page: int, page_size: int):
    query = select(CustomerRow).where(
        visibility_clause(principal, CustomerRow.owner_rep_id, CustomerRow.team, CustomerRow.region))
    query = _equal(query, CustomerRow, args, "abc_class", "owner_rep_id")
    sorts = {"id": CustomerRow.id, "name": CustomerRow.name}
    return page_of(uow, query, CustomerRow, args, page, page_size, sorts)


def care_tasks(uow, principal: Principal, args: dict, page: int, page_size: int):
    query = select(CareTaskRow).where(
        visibility_clause(principal, CareTaskRow.agent_id, CareTaskRow.team, CareTaskRow.region))
    query = _equal(query, CareTaskRow, args, "status", "kind", "agent_id", "customer_id")
    if args.get("due_from"):
        query = query.where(CareTaskRow.due_on >= args["due_from"])
    if args.get("due_to"):
        query = query.where(CareTaskRow.due_on <= args["due_to"])
    sorts = {"due_on": CareTaskRow.due_on, "created_at": CareTaskRow.created_at}
    return page_of(uow, query, CareTaskRow, args, page, page_size, sorts)
