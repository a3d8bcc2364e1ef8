"""The Service desk service's tables (its own database only).

The rows are persistence records; ``service_desk.repository`` turns tickets and
surveys into the domain's objects and back, so the rules never see SQLAlchemy.
Money is ``Numeric`` next to its currency; every time is timezone-aware UTC.
Business keys carry unique constraints (DESIGN §4): one survey per order, one
per ticket, one escalation per breach and level, one care task per customer,
kind and day, one review per interaction.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from salesloop.db import UtcDateTime as UTCDateTime  # aware UTC on every database
from salesloop.fx import add_fx_table
from salesloop.messaging.tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
add_fx_table(metadata)

MONEY = Numeric(18, 4)
RATE = Numeric(20, 10)
ID = String(36)  # ids this service makes (uuid4)
REF = String(64)  # ids other services make, user ids, teams, regions


class Base(DeclarativeBase):
    metadata = metadata


# -- customers (our copy, fed by leads.customer.upserted and kpi.customer.classified) ----------


class CustomerRow(Base):
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_owner", "owner_rep_id"), Index("ix_customers_team_region", "team", "region"))

    id: Mapped[str] = mapped_column(REF, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(20))
    abc_class: Mapped[str | None] = mapped_column(String(1))
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # kpi's as_of
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(REF)
    team: Mapped[str | None] = mapped_column(REF)
    owner_rep_id: Mapped[str | None] = mapped_column(REF)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    birthday: Mapped[date | None] = mapped_column(Date)
    customer_since: Mapped[date | None] = mapped_column(Date)
    accepts_greetings: Mapped[bool] = mapped_column(Boolean, default=True)
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # leads' updated_at
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- SLA policy books (versioned: a ticket keeps the version it was opened under) ---------------


class SlaPolicyBookRow(Base):
    __tablename__ = "sla_policy_books"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    config: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(REF)


# -- tickets --------------------------------------------------------------------------------------


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_agent_status", "agent_id", "status"),
        Index("ix_tickets_team_region", "team", "region"),
        Index("ix_tickets_customer", "customer_id"),
        Index("ix_tickets_status_due", "status", "resolution_due_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_type: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    customer_id: Mapped[str] = mapped_column(REF)
    order_id: Mapped[str | None] = mapped_column(REF)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    complainant_name: Mapped[str | None] = mapped_column(String(120))
    complainant_phone: Mapped[str | None] = mapped_column(String(40))
    complainant_email: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(REF)
    agent_id: Mapped[str | None] = mapped_column(REF)
    team: Mapped[str | None] = mapped_column(REF)
    region: Mapped[str | None] = mapped_column(REF)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verdict: Mapped[str | None] = mapped_column(String(20))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    sla_policy_version: Mapped[int] = mapped_column(Integer)
    # Kept for filtering and sorting; the API recomputes them from the history.
    first_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    changes: Mapped[list[TicketStatusChangeRow]] = relationship(
        order_by="TicketStatusChangeRow.seq", cascade="all, delete-orphan")
    resolutions: Mapped[list[TicketResolutionRow]] = relationship(
        order_by="TicketResolutionRow.seq", cascade="all, delete-orphan")
    notes: Mapped[list[TicketNoteRow]] = relationship(order_by="TicketNoteRow.id", cascade="all, delete-orphan")
    escalations: Mapped[list[TicketEscalationRow]] = relationship(
        order_by="TicketEscalationRow.id", cascade="all, delete-orphan")


class TicketStatusChangeRow(Base):
    __tablename__ = "ticket_status_changes"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_ticket_status_changes_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(REF)
    reason: Mapped[str | None] = mapped_column(Text)


class TicketResolutionRow(Base):
    __tablename__ = "ticket_resolutions"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_ticket_resolutions_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    resolved_by: Mapped[str] = mapped_column(REF)
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    compensation_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    compensation_currency: Mapped[str | None] = mapped_column(String(3))
    compensation_reason: Mapped[str | None] = mapped_column(Text)
    fx_rate: Mapped[Decimal | None] = mapped_column(RATE)
    agent_at_fault: Mapped[str | None] = mapped_column(REF)


class TicketNoteRow(Base):
    """An investigation note (internal) or a reply sent to the customer."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # investigation | reply
    author: Mapped[str] = mapped_column(REF)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # [{ref, name, content_type}]


class TicketEscalationRow(Base):
    __tablename__ = "ticket_escalations"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target", "level", "cycle", name="uq_ticket_escalations_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(Integer)
    cycle: Mapped[int] = mapped_column(Integer)
    notify: Mapped[str] = mapped_column(String(40))
    breached_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- surveys --------------------------------------------------------------------------------------


class SurveyRow(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_surveys_order_id"),
        UniqueConstraint("ticket_id", name="uq_surveys_ticket_id"),
        Index("ix_surveys_pending", "answered_at", "reminded_at"),
        Index("ix_surveys_customer", "customer_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str | None] = mapped_column(REF)
    ticket_id: Mapped[str | None] = mapped_column(ID)
    customer_id: Mapped[str] = mapped_column(REF)
    rep_id: Mapped[str | None] = mapped_column(REF)
    team: Mapped[str | None] = mapped_column(REF)
    region: Mapped[str | None] = mapped_column(REF)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    remind_after_seconds: Mapped[int] = mapped_column(Integer)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    nps_category: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)

    links: Mapped[list[SurveyLinkRow]] = relationship(order_by="SurveyLinkRow.issued_at",
                                                      cascade="all, delete-orphan")


class SurveyLinkRow(Base):
    """A link sent to the customer: only the token's SHA-256 is kept."""

    __tablename__ = "survey_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # initial | reminder
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- interactions and QA ---------------------------------------------------------------------------


class InteractionRow(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_agent_started", "agent_id", "started_at"),
        Index("ix_interactions_team_region", "team", "region"),
        Index("ix_interactions_customer", "customer_id"),
        Index("ix_interactions_retention", "recording_retained_until"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    agent_id: Mapped[str] = mapped_column(REF)
    team: Mapped[str | None] = mapped_column(REF)
    region: Mapped[str | None] = mapped_column(REF)
    customer_id: Mapped[str | None] = mapped_column(REF)
    ticket_id: Mapped[str | None] = mapped_column(ID)
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    customer_feedback: Mapped[str | None] = mapped_column(Text)
    recording_ref: Mapped[str | None] = mapped_column(String(300))
    recording_retained_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recording_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    violation_count: Mapped[int] = mapped_column(Integer, default=0)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    logged_by: Mapped[str] = mapped_column(REF)

    violations: Mapped[list[QaViolationRow]] = relationship(order_by="QaViolationRow.start_offset",
                                                            cascade="all, delete-orphan")


class QaRuleRow(Base):
    __tablename__ = "qa_rules"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    pattern: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    variants: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(REF)


class QaViolationRow(Base):
    __tablename__ = "qa_violations"
    __table_args__ = (Index("ix_qa_violations_rule", "rule_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[str] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    matched: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QaReviewRow(Base):
    __tablename__ = "qa_reviews"
    __table_args__ = (
        UniqueConstraint("interaction_id", name="uq_qa_reviews_interaction"),
        Index("ix_qa_reviews_agent", "agent_id", "period_start"),
        Index("ix_qa_reviews_team_region", "team", "region"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    interaction_id: Mapped[str] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(REF)
    team: Mapped[str | None] = mapped_column(REF)
    region: Mapped[str | None] = mapped_column(REF)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    seed: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))  # pending | scored
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sampled_by: Mapped[str] = mapped_column(REF)
    reviewer_id: Mapped[str | None] = mapped_column(REF)
    marks: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    critical_failure: Mapped[bool | None] = mapped_column(Boolean)
    comments: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# -- customer care ---------------------------------------------------------------------------------


class CareTaskRow(Base):
    __tablename__ = "care_tasks"
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "due_on", name="uq_care_tasks_key"),
        Index("ix_care_tasks_agent_status", "agent_id", "status"),
        Index("ix_care_tasks_team_region", "team", "region"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    customer_id: Mapped[str] = mapped_column(REF)
    kind: Mapped[str] = mapped_column(String(20))  # return_visit | birthday | holiday
    due_on: Mapped[date] = mapped_column(Date)
    occasion: Mapped[str] = mapped_column(String(200))
    abc_class: Mapped[str | None] = mapped_column(String(1))
    agent_id: Mapped[str | None] = mapped_column(REF)
    team: Mapped[str | None] = mapped_column(REF)
    region: Mapped[str | None] = mapped_column(REF)
    status: Mapped[str] = mapped_column(String(10))  # open | done
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_on: Mapped[date | None] = mapped_column(Date)
    completed_by: Mapped[str | None] = mapped_column(REF)


# -- FAQ -------------------------------------------------------------------------------------------


class FaqEntryRow(Base):
    __tablename__ = "faq_entries"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(REF)
