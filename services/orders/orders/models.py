"""The Orders service's tables (its own database only).

An order row holds who, where and the current state; its commercial content
lives in numbered versions (version n+1 per applied change request, earlier
versions untouched), each with its lines. Transitions, plan stages and change
requests have their own tables. Business keys are unique: one order per
contract id, one per storefront order id.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
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

from salesloop.fx import add_fx_table
from salesloop.messaging.tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
add_fx_table(metadata)

MONEY = Numeric(18, 4)
QUANTITY = Numeric(18, 6)  # unit prices and quantities may carry more places than the currency
PERCENT = Numeric(9, 4)
RATE = Numeric(20, 10)
Aware = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = metadata


def new_row_id() -> str:
    """A child row's id, made here rather than by the database: SQLAlchemy then writes a
    batch of new orders' versions, lines, transitions and stages with one executemany per
    table instead of an INSERT … RETURNING that must hand every generated id back."""
    return str(uuid.uuid4())


def row_id() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_row_id)


class OrderRecord(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("order_number", name="uq_orders_order_number"),
        UniqueConstraint("contract_id", name="uq_orders_contract_id"),
        UniqueConstraint("storefront_order_id", name="uq_orders_storefront_order_id"),
        UniqueConstraint("request_key", name="uq_orders_request_key"),
        Index("ix_orders_status", "status"),
        Index("ix_orders_customer_id", "customer_id"),
        Index("ix_orders_owner", "region", "team", "rep_id"),
        Index("ix_orders_placed_at", "placed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_number: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(16))  # contract | storefront | phone
    contract_id: Mapped[str | None] = mapped_column(String(100))
    deal_id: Mapped[str | None] = mapped_column(String(100))
    storefront_order_id: Mapped[str | None] = mapped_column(String(100))
    request_key: Mapped[str | None] = mapped_column(String(100))  # Idempotency-Key of a phone order
    customer_id: Mapped[str] = mapped_column(String(64))
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_contact: Mapped[dict | None] = mapped_column(JSON)  # {name, phone, email}
    rep_id: Mapped[str | None] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)  # the current version's number
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate: Mapped[Decimal] = mapped_column(RATE)
    total_amount: Mapped[Decimal] = mapped_column(MONEY)  # net of tax, current version
    total_cost: Mapped[Decimal | None] = mapped_column(MONEY)  # None while a cost is unknown
    tax_amount: Mapped[Decimal] = mapped_column(MONEY)
    gross_amount: Mapped[Decimal] = mapped_column(MONEY)
    delivery_date: Mapped[date] = mapped_column(Date)
    delivery_address: Mapped[str | None] = mapped_column(Text)  # one line, as printed on a label
    shipping_address: Mapped[dict | None] = mapped_column(JSON)  # structured, when known
    delivery_terms: Mapped[str | None] = mapped_column(String(200))
    payment_terms: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    placed_at: Mapped[datetime] = mapped_column(Aware)
    created_at: Mapped[datetime] = mapped_column(Aware)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(Aware)
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    shipped_at: Mapped[datetime | None] = mapped_column(Aware)
    delivered_at: Mapped[datetime | None] = mapped_column(Aware)
    paid_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    paid_at: Mapped[datetime | None] = mapped_column(Aware)
    closing_reason: Mapped[str | None] = mapped_column(Text)  # why it was cancelled or disputed

    versions: Mapped[list[OrderVersionRecord]] = relationship(
        back_populates="order", order_by="OrderVersionRecord.number", cascade="all, delete-orphan")
    history: Mapped[list[TransitionRecord]] = relationship(
        order_by="TransitionRecord.position", cascade="all, delete-orphan")
    stages: Mapped[list[StageRecord]] = relationship(
        back_populates="order", order_by="StageRecord.position", cascade="all, delete-orphan")

    @property
    def current(self) -> OrderVersionRecord:
        return self.versions[-1]


class OrderVersionRecord(Base):
    __tablename__ = "order_versions"
    __table_args__ = (UniqueConstraint("order_id", "number", name="uq_order_versions_number"),)

    id: Mapped[str] = row_id()
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate: Mapped[Decimal] = mapped_column(RATE)
    delivery_date: Mapped[date] = mapped_column(Date)
    total_amount: Mapped[Decimal] = mapped_column(MONEY)
    total_cost: Mapped[Decimal | None] = mapped_column(MONEY)
    tax_amount: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(Aware)
    created_by: Mapped[str] = mapped_column(String(100))
    change_id: Mapped[str | None] = mapped_column(String(36))

    order: Mapped[OrderRecord] = relationship(back_populates="versions")
    lines: Mapped[list[OrderLineRecord]] = relationship(
        order_by="OrderLineRecord.position", cascade="all, delete-orphan")


class OrderLineRecord(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("version_id", "position", name="uq_order_lines_position"),)

    id: Mapped[str] = row_id()
    version_id: Mapped[str] = mapped_column(ForeignKey("order_versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_cost: Mapped[Decimal | None] = mapped_column(QUANTITY)
    discount_pct: Mapped[Decimal] = mapped_column(PERCENT)
    tax_rate_pct: Mapped[Decimal] = mapped_column(PERCENT)
    amount: Mapped[Decimal] = mapped_column(MONEY)  # the line's net
    tax_amount: Mapped[Decimal] = mapped_column(MONEY)


class TransitionRecord(Base):
    """One entry of an order's history: from, to, who, when and what it carried."""

    __tablename__ = "order_transitions"
    __table_args__ = (UniqueConstraint("order_id", "position", name="uq_order_transitions_position"),)

    id: Mapped[str] = row_id()
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(Aware)
    details: Mapped[dict] = mapped_column(JSON)


class StageRecord(Base):
    """One stage of an order's execution plan."""

    __tablename__ = "order_stages"
    __table_args__ = (
        UniqueConstraint("order_id", "name", name="uq_order_stages_name"),
        Index("ix_order_stages_due", "status", "due_date"),
    )

    id: Mapped[str] = row_id()
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    owner: Mapped[str | None] = mapped_column(String(100))
    due_date: Mapped[date] = mapped_column(Date)
    planned_start: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime | None] = mapped_column(Aware)
    started_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column(Aware)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    # The due date the overdue sweep last reported, so a stage is flagged once
    # per due date (a rescheduled stage that slips again is flagged again).
    overdue_reported_for: Mapped[date | None] = mapped_column(Date)

    order: Mapped[OrderRecord] = relationship(back_populates="stages")


class ChangeRequestRecord(Base):
    __tablename__ = "change_requests"
    __table_args__ = (Index("ix_change_requests_order", "order_id", "requested_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    base_version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    requested: Mapped[dict] = mapped_column(JSON)  # the RequestedChange, decimals as strings
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(Aware)
    status: Mapped[str] = mapped_column(String(20))
    impact: Mapped[dict | None] = mapped_column(JSON)  # the latest assessment
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(Aware)
    decision_note: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column(Aware)
    applied_version: Mapped[int | None] = mapped_column(Integer)
