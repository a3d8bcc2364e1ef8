"""The Deals service's tables (its own database only).

The rows are persistence records; ``deals.repository`` turns them into the
domain's objects and back, so the rules never see SQLAlchemy. Every money
amount is ``Numeric`` next to its currency; every time is timezone-aware.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
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
PERCENT = Numeric(7, 4)
RATE = Numeric(20, 10)
ID = String(36)
REF = String(64)


class Base(DeclarativeBase):
    metadata = metadata


class CustomerRow(Base):
    """Our copy of the leads service's customer, fed by leads.customer.upserted."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(REF, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(20))
    abc_class: Mapped[str | None] = mapped_column(String(1))
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(REF)
    team: Mapped[str | None] = mapped_column(REF)
    owner_rep_id: Mapped[str | None] = mapped_column(REF)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DealRow(Base):
    __tablename__ = "deals"
    __table_args__ = (
        # One deal per converted lead, whatever the bus does (DESIGN §4).
        UniqueConstraint("lead_id", name="uq_deals_lead_id"),
        Index("ix_deals_owner", "owner_rep_id", "stage"),
        Index("ix_deals_team_region", "team", "region"),
        Index("ix_deals_customer", "customer_id"),
        Index("ix_deals_close", "expected_close_date"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    lead_id: Mapped[str | None] = mapped_column(REF)
    customer_id: Mapped[str] = mapped_column(REF)
    customer_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    owner_rep_id: Mapped[str] = mapped_column(REF)
    team: Mapped[str] = mapped_column(REF)
    region: Mapped[str] = mapped_column(REF)
    stage: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate: Mapped[Decimal] = mapped_column(RATE)  # the rate of the deal's last event
    probability: Mapped[Decimal] = mapped_column(PERCENT)  # effective, kept for filters and sorting
    probability_override: Mapped[Decimal | None] = mapped_column(PERCENT)
    grade: Mapped[str] = mapped_column(String(1))
    expected_close_date: Mapped[date] = mapped_column(Date)
    needs: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    competitors: Mapped[list] = mapped_column(JSON, default=list)
    products: Mapped[list] = mapped_column(JSON, default=list)
    spin: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str | None] = mapped_column(String(40))
    lost_reason: Mapped[str | None] = mapped_column(Text)
    lost_to: Mapped[str | None] = mapped_column(String(200))
    contract_id: Mapped[str | None] = mapped_column(ID)
    created_by: Mapped[str] = mapped_column(REF)
    lead_captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime())  # last work on the deal
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    row_version: Mapped[int] = mapped_column(Integer)

    changes: Mapped[list[StageChangeRow]] = relationship(
        order_by="StageChangeRow.id", cascade="all, delete-orphan", lazy="selectin")

    # Two people saving the same deal: the second gets a conflict, not a lost update.
    __mapper_args__ = {"version_id_col": row_version}


class StageChangeRow(Base):
    __tablename__ = "deal_stage_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    changed_by: Mapped[str] = mapped_column(REF)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    competitor: Mapped[str | None] = mapped_column(String(200))
    probability: Mapped[Decimal] = mapped_column(PERCENT)


class ProposalRow(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("deal_id", "version", name="uq_proposals_deal_version"),
        Index("ix_proposals_status_valid", "status", "valid_until"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    list_amount: Mapped[Decimal] = mapped_column(MONEY)
    discount: Mapped[Decimal] = mapped_column(MONEY)
    net: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    gross: Mapped[Decimal] = mapped_column(MONEY)
    created_by: Mapped[str] = mapped_column(REF)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer)

    items: Mapped[list[ProposalItemRow]] = relationship(
        order_by="ProposalItemRow.position", cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": row_version}


class _LineColumns:
    """The columns of a priced line, shared by proposals and contracts."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(REF)
    description: Mapped[str] = mapped_column(String(500), default="")
    quantity: Mapped[Decimal] = mapped_column(MONEY)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    discount_pct: Mapped[Decimal] = mapped_column(PERCENT)
    tax_rate_pct: Mapped[Decimal] = mapped_column(PERCENT)
    unit_cost: Mapped[Decimal | None] = mapped_column(MONEY)


class ProposalItemRow(_LineColumns, Base):
    __tablename__ = "proposal_items"
    __table_args__ = (UniqueConstraint("proposal_id", "position", name="uq_proposal_items_position"),)

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))


class MinutesRow(Base):
    __tablename__ = "negotiation_minutes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(REF)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attendees: Mapped[list] = mapped_column(JSON)
    agreed_points: Mapped[list] = mapped_column(JSON)
    open_points: Mapped[list] = mapped_column(JSON)
    next_steps: Mapped[list] = mapped_column(JSON)


class ContractRow(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        # One contract per deal: it is drafted from the deal's one accepted proposal.
        UniqueConstraint("deal_id", name="uq_contracts_deal_id"),
        Index("ix_contracts_status", "status", "region", "team"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"))
    quote_version: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[str] = mapped_column(REF)
    owner_rep_id: Mapped[str] = mapped_column(REF)
    team: Mapped[str] = mapped_column(REF)
    region: Mapped[str] = mapped_column(REF)
    status: Mapped[str] = mapped_column(String(12))
    revision: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    list_amount: Mapped[Decimal] = mapped_column(MONEY)
    discount: Mapped[Decimal] = mapped_column(MONEY)
    net: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    gross: Mapped[Decimal] = mapped_column(MONEY)
    delivery_terms: Mapped[str] = mapped_column(Text)
    payment_terms: Mapped[str] = mapped_column(Text)
    delivery_date: Mapped[date] = mapped_column(Date)
    delivery_address: Mapped[str] = mapped_column(Text)
    drafted_by: Mapped[str] = mapped_column(REF)
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(REF)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signatory: Mapped[str | None] = mapped_column(String(200))
    signatory_title: Mapped[str | None] = mapped_column(String(200))
    company_currency: Mapped[str | None] = mapped_column(String(3))
    fx_rate: Mapped[Decimal | None] = mapped_column(RATE)
    net_company: Mapped[Decimal | None] = mapped_column(MONEY)
    gross_company: Mapped[Decimal | None] = mapped_column(MONEY)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    row_version: Mapped[int] = mapped_column(Integer)

    items: Mapped[list[ContractItemRow]] = relationship(
        order_by="ContractItemRow.position", cascade="all, delete-orphan", lazy="selectin")
    changes: Mapped[list[ContractChangeRow]] = relationship(
        order_by="ContractChangeRow.id", cascade="all, delete-orphan", lazy="selectin")

    # Two concurrent signatures: one wins, the other gets a conflict (and publishes nothing).
    __mapper_args__ = {"version_id_col": row_version}


class ContractItemRow(_LineColumns, Base):
    __tablename__ = "contract_items"
    __table_args__ = (UniqueConstraint("contract_id", "position", name="uq_contract_items_position"),)

    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))


class ContractChangeRow(Base):
    __tablename__ = "contract_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    changed_by: Mapped[str] = mapped_column(REF)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
