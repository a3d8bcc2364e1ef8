"""Rows to domain objects and back, and the look-ups every command needs."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from service_desk.domain.errors import UnknownRecord
from service_desk.domain.qa import ComplianceRule, rules_from_dicts
from service_desk.domain.sla_policies import SlaPolicyBook
from service_desk.domain.status import StatusChange, TicketStatus
from service_desk.domain.surveys import Survey, SurveyAnswer
from service_desk.domain.tickets import (
    Channel,
    Compensation,
    InvestigationNote,
    Priority,
    Resolution,
    Ticket,
    TicketType,
    Verdict,
)
from service_desk.models import (
    QaRuleRow,
    SlaPolicyBookRow,
    SurveyRow,
    TicketNoteRow,
    TicketResolutionRow,
    TicketRow,
    TicketStatusChangeRow,
)


from sqlalchemy import and_, case, or_
from sqlalchemy.orm import selectinload

from salesloop.web.auth import Principal, visibility_clause

from service_desk.models import CareTaskRow, CustomerRow, InteractionRow, QaReviewRow


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def get_row(uow, model, key, what: str):
    row = uow.session.get(model, key)
    if row is None:
        raise UnknownRecord(f"no {what} {key}")
    return row


# -- tickets --------------------------------------------------------------------------------------


def ticket_from_row(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        ticket_type=TicketType(row.ticket_type),
        priority=Priority(row.priority),
        customer_id=row.customer_id,
        channel=Channel(row.channel),
        subject=row.subject,
        description=row.description,
        received_at=row.received_at,
        order_id=row.order_id,
        status=TicketStatus(row.status),
        history=[StatusChange(TicketStatus(change.status), change.at) for change in row.changes],
        assignee=row.agent_id,
        responded_at=row.responded_at,
        resolutions=[_resolution(r) for r in row.resolutions],
        verdict=Verdict(row.verdict) if row.verdict else None,
        reopen_count=row.reopen_count,
        notes=[InvestigationNote(n.author, n.at, n.text) for n in row.notes if n.kind == "investigation"],
    )


def _resolution(row: TicketResolutionRow) -> Resolution:
    compensation = None
    if row.compensation_amount is not None:
        compensation = Compensation(row.compensation_amount, row.compensation_currency, row.compensation_reason)
    return Resolution(row.text, row.resolved_by, row.resolved_at, compensation, row.agent_at_fault)


def new_ticket_row(ticket: Ticket, policy_version: int) -> TicketRow:
    return TicketRow(
        id=ticket.id, ticket_type=str(ticket.ticket_type), priority=str(ticket.priority),
        channel=str(ticket.channel), status=str(ticket.status), customer_id=ticket.customer_id,
        order_id=ticket.order_id, subject=ticket.subject, description=ticket.description,
        received_at=ticket.received_at, reopen_count=0, sla_policy_version=policy_version,
        changes=[], resolutions=[], notes=[], escalations=[],
    )


def save_ticket(row: TicketRow, ticket: Ticket, actor: str | None, reason: str | None = None,
                fx_rate=None) -> None:
    """Copy the aggregate's state onto its row, appending what the move added."""
    row.status = str(ticket.status)
    row.agent_id = ticket.assignee
    row.responded_at = ticket.responded_at
    row.verdict = str(ticket.verdict) if ticket.verdict else None
    row.reopen_count = ticket.reopen_count
    row.resolved_at = ticket.resolution.resolved_at if ticket.resolution else None
    row.closed_at = ticket.history[-1].at if ticket.status is TicketStatus.CLOSED else None
    for seq, change in enumerate(ticket.history[len(row.changes):], start=len(row.changes)):
        row.changes.append(TicketStatusChangeRow(seq=seq, status=str(change.status), at=change.at,
                                                 actor=actor, reason=reason))
    for seq, resolution in enumerate(ticket.resolutions[len(row.resolutions):], start=len(row.resolutions)):
        compensation = resolution.compensation
        row.resolutions.append(TicketResolutionRow(
            seq=seq, text=resolution.text, resolved_by=resolution.resolved_by, resolved_at=resolution.resolved_at,
            compensation_amount=compensation.amount if compensation else None,
            compensation_currency=compensation.currency if compensation else None,
            compensation_reason=compensation.reason if compensation else None,
            fx_rate=fx_rate if compensation else None, agent_at_fault=resolution.agent_at_fault,
        ))


def add_ticket_note(row: TicketRow, kind: str, note: InvestigationNote, attachments=()) -> TicketNoteRow:
    note_row = TicketNoteRow(kind=kind, author=note.author, at=note.at, text=note.text,
                             attachments=[dict(a) for a in attachments])
    row.notes.append(note_row)
    return note_row


# -- SLA policy books ----------------------------------------------------------------------------


def current_policy_book(uow, initial: SlaPolicyBook) -> tuple[int, SlaPolicyBook]:
    """The newest policy book; the configured one becomes version 1 on first use."""
    row = uow.session.execute(
        select(SlaPolicyBookRow).order_by(SlaPolicyBookRow.version.desc()).limit(1)
    ).scalar_one_or_none()
    if row is None:
        row = _insert_once(uow, SlaPolicyBookRow(version=1, config=initial.to_dict(), created_at=utcnow()),
                           lambda: uow.session.get(SlaPolicyBookRow, 1))
    return row.version, _read_book(uow, row)


def policy_book(uow, version: int) -> SlaPolicyBook:
    books = _books_read(uow)
    if version in books:
        return books[version]
    return _read_book(uow, get_row(uow, SlaPolicyBookRow, version, "SLA policy book version"))


def _books_read(uow) -> dict[int, SlaPolicyBook]:
    """The policy books this session has read, by version: a request that opens a ticket and
    then shows its due times reads (and parses) its book once. Versions are never rewritten."""
    return uow.session.info.setdefault("sla_policy_books", {})


def _read_book(uow, row: SlaPolicyBookRow) -> SlaPolicyBook:
    books = _books_read(uow)
    if row.version not in books:
        books[row.version] = SlaPolicyBook.from_dict(row.config)
    return books[row.version]


def add_policy_book(uow, book: SlaPolicyBook, actor: str, initial: SlaPolicyBook) -> int:
    current, _ = current_policy_book(uow, initial)
    version = current + 1
    uow.add(SlaPolicyBookRow(version=version, config=book.to_dict(), created_at=utcnow(), created_by=actor))
    uow.flush()
    return version


# -- compliance rules ------------------------------------------------------------------------------


def active_rules(uow, initial: tuple[ComplianceRule, ...]) -> tuple[ComplianceRule, ...]:
    seed_rules(uow, initial)
    rows = uow.session.execute(select(QaRuleRow).where(QaRuleRow.active.is_(True)).order_by(QaRuleRow.id)).scalars()
    return rules_from_dicts(rule_config(row) for row in rows)


def seed_rules(uow, initial: tuple[ComplianceRule, ...]) -> None:
    """The configured rules become the first rule set; later edits go through /qa/rules.

    Rules are deactivated, never deleted, so an emptied rule set stays empty.
    """
    if uow.session.execute(select(func.count()).select_from(QaRuleRow)).scalar():
        return
    now = utcnow()
    try:
        with uow.session.begin_nested():
            uow.session.add_all([rule_row(rule, now, actor=None) for rule in initial])
    except IntegrityError:
        pass  # another process seeded them at the same moment


def rule_row(rule: ComplianceRule, now: datetime, actor: str | None) -> QaRuleRow:
    return QaRuleRow(id=rule.id, pattern=rule.pattern, category=str(rule.category), severity=str(rule.severity),
                     kind=str(rule.kind), variants=list(rule.variants), description=rule.description,
                     active=True, created_at=now, updated_at=now, updated_by=actor)


def rule_config(row: QaRuleRow) -> dict:
    return {"id": row.id, "pattern": row.pattern, "category": row.category, "severity": row.severity,
            "kind": row.kind, "variants": list(row.variants or ()), "description": row.description or ""}


# -- surveys ---------------------------------------------------------------------------------------


def survey_from_row(row: SurveyRow, token_hash: str) -> Survey:
    """The survey as reached through one of its links (``token_hash``)."""
    answer = None
    if row.answered_at is not None:
        answer = SurveyAnswer(csat=row.csat, nps=row.nps, comment=row.comment or "")
    return Survey(
        id=row.id, order_id=row.order_id, ticket_id=row.ticket_id, customer_id=row.customer_id,
        token_hash=token_hash, sent_at=row.sent_at, expires_at=row.expires_at,
        remind_after=timedelta(seconds=row.remind_after_seconds), reminded_at=row.reminded_at,
        answered_at=row.answered_at, answer=answer,
    )


def _insert_once(uow, row, find):
    """Insert a row another process may be inserting at the same moment; keep whichever won."""
    try:
        with uow.session.begin_nested():
            uow.add(row)
        return row
    except IntegrityError:
        return find()


# -- the read side: filtered, sorted, paginated lists within the caller's visibility -------------------------------
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
