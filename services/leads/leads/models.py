"""The Leads service's tables (its own database only).

Money columns are Numeric (never Float); every time is stored timezone-aware
and read back in UTC, also from SQLite, which keeps no zone (``UtcDateTime``).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, MetaData, Numeric,
                        String, Text, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from salesloop.db import UtcDateTime  # aware UTC on every database
from salesloop.fx import add_fx_table
from salesloop.messaging.tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
add_fx_table(metadata)

MONEY = Numeric(18, 4)
RATE = Numeric(20, 10)
_serial = BigInteger().with_variant(Integer, "sqlite")  # SQLite only auto-increments INTEGER keys


class Base(DeclarativeBase):
    metadata = metadata


class Rep(Base):
    __tablename__ = "reps"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the rep's user id (JWT sub)
    name: Mapped[str] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(80), index=True)
    region: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int] = mapped_column(Integer)
    product_lines: Mapped[list] = mapped_column(JSON, default=list)
    regions: Mapped[list] = mapped_column(JSON, default=list)
    industries: Mapped[list] = mapped_column(JSON, default=list)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


LOADED_STATUSES = ("assigned", "contacted", "qualified")  # what counts against a rep's capacity
# The leads a rep's load counts: assignment counts them with the reps locked, so this index
# (read alone, without the table) keeps that count short however many leads are open.
REP_LOAD = text(f"status IN ({', '.join(repr(status) for status in LOADED_STATUSES)}) AND merged_into IS NULL")


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_status_followup", "status", "followup_due_at"),
        Index("ix_leads_owner_status", "owner_rep_id", "status"),
        Index("ix_leads_rep_load", "owner_rep_id", postgresql_where=REP_LOAD, sqlite_where=REP_LOAD),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # customer basics
    company: Mapped[str | None] = mapped_column(String(200))
    company_key: Mapped[str | None] = mapped_column(String(200), index=True)
    person_name: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(80))
    region: Mapped[str | None] = mapped_column(String(80), index=True)
    company_size: Mapped[int | None] = mapped_column(Integer)
    # contact (normalized: E.164 phone, lower-cased e-mail)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    # needs
    needs: Mapped[str] = mapped_column(Text, default="")
    product_lines: Mapped[list] = mapped_column(JSON, default=list)
    budget_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    expected_purchase_by: Mapped[date | None] = mapped_column(Date)
    # source
    source: Mapped[str] = mapped_column(String(20), index=True)
    campaign_code: Mapped[str | None] = mapped_column(String(80))
    referrer: Mapped[str | None] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    captured_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    captured_by: Mapped[str | None] = mapped_column(String(120))
    # grading
    grade: Mapped[str | None] = mapped_column(String(10), index=True)
    computed_grade: Mapped[str | None] = mapped_column(String(10))
    score: Mapped[int | None] = mapped_column(Integer)
    ruleset_version: Mapped[str | None] = mapped_column(String(40))
    contributions: Mapped[list] = mapped_column(JSON, default=list)
    grade_override: Mapped[dict | None] = mapped_column(JSON)
    # assignment and follow-up
    owner_rep_id: Mapped[str | None] = mapped_column(String(64), index=True)
    team: Mapped[str | None] = mapped_column(String(80), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    assignment: Mapped[dict | None] = mapped_column(JSON)  # the explanation of the last assignment
    followup_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue_flagged_for: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # links and outcome
    duplicate_of: Mapped[str | None] = mapped_column(String(36))
    merged_into: Mapped[str | None] = mapped_column(String(36), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(36), index=True)
    qualified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    converted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expected_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    expected_currency: Mapped[str | None] = mapped_column(String(3))
    disqualified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disqualified_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(36))
    rep_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text)
    next_step_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LeadHistory(Base):
    """What happened to a lead, in order: the trail a merge keeps and an audit can read."""

    __tablename__ = "lead_history"

    id: Mapped[int] = mapped_column(_serial, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[dict | None] = mapped_column(JSON)


class LeadMerge(Base):
    __tablename__ = "lead_merges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    primary_id: Mapped[str] = mapped_column(String(36), index=True)
    duplicate_id: Mapped[str] = mapped_column(String(36), index=True)
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    merged_by: Mapped[str | None] = mapped_column(String(120))
    undo: Mapped[dict] = mapped_column(JSON)  # both records as they were, and the merged one
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(120))


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    company_key: Mapped[str | None] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    abc_class: Mapped[str | None] = mapped_column(String(1), index=True)
    classified_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime)
    industry: Mapped[str | None] = mapped_column(String(80))
    region: Mapped[str | None] = mapped_column(String(80), index=True)
    team: Mapped[str | None] = mapped_column(String(80), index=True)
    owner_rep_id: Mapped[str | None] = mapped_column(String(64), index=True)
    preferences: Mapped[dict] = mapped_column(JSON, default=dict)
    birthday: Mapped[date | None] = mapped_column(Date)
    source_lead_id: Mapped[str | None] = mapped_column(String(36))
    won_count: Mapped[int] = mapped_column(Integer, default=0)
    lost_count: Mapped[int] = mapped_column(Integer, default=0)
    last_deal_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CustomerContact(Base):
    __tablename__ = "customer_contacts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    birthday: Mapped[date | None] = mapped_column(Date)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CustomerDeal(Base):
    """One row per deal outcome received from the deals service (deal id is the business key)."""

    __tablename__ = "customer_deals"

    deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    lead_id: Mapped[str | None] = mapped_column(String(36))
    result: Mapped[str] = mapped_column(String(4))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str | None] = mapped_column(String(3))
    fx_rate: Mapped[Decimal | None] = mapped_column(RATE)
    amount_company: Mapped[Decimal | None] = mapped_column(MONEY)
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RuleSetVersion(Base):
    """A version of one kind of configurable rules; the last activated one is in force."""

    __tablename__ = "rule_sets"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_rule_sets_kind_version"),)

    id: Mapped[int] = mapped_column(_serial, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(120))
    activated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LeadImport(Base):
    """A CSV import: its rows are staged at upload, then captured in batches (in the request or the worker)."""

    __tablename__ = "lead_imports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending | running | done
    filename: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(120))
    owner_team: Mapped[str | None] = mapped_column(String(80))
    record_duplicates: Mapped[bool] = mapped_column(Boolean, default=False)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LeadImportRow(Base):
    __tablename__ = "lead_import_rows"
    __table_args__ = (
        UniqueConstraint("import_id", "line", name="uq_lead_import_rows_line"),
        Index("ix_lead_import_rows_status", "import_id", "status", "line"),
    )

    id: Mapped[int] = mapped_column(_serial, primary_key=True, autoincrement=True)
    import_id: Mapped[str] = mapped_column(ForeignKey("lead_imports.id"))
    line: Mapped[int] = mapped_column(Integer)               # physical line in the file (the header is line 1)
    status: Mapped[str] = mapped_column(String(10))          # pending | imported | rejected
    data: Mapped[dict | None] = mapped_column(JSON)          # the row as read, until it is imported
    errors: Mapped[dict | None] = mapped_column(JSON)        # field -> messages, for a rejected row
    lead_id: Mapped[str | None] = mapped_column(String(36))
