"""The KPI service's tables (its own database only).

- ``facts``: the append-only log, one row per consumed event id, with the raw
  event data (the truth the projections are rebuilt from) and a few columns
  lifted out of it for lookups.
- Projections, dropped and rebuilt from the log: ``rollup_daily`` (summed
  counters per local day, metric and dimension value), ``rollup_monthly`` (the
  same per local month), ``rep_directory`` (each
  rep's latest team and region) and ``projection_state``.
- State of its own: targets and scorecards, evaluations, commission plans,
  ABC classes last published, closed-period reports, job runs.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from salesloop.db import UtcDateTime as UTCDateTime  # aware UTC on every database
from salesloop.messaging.tables import add_messaging_tables
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

metadata = MetaData()
add_messaging_tables(metadata)

MONEY = Numeric(18, 4)
RATE = Numeric(20, 10)
PERCENT = Numeric(9, 4)
REF = String(64)
BIG_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite auto-increments INTEGER keys only


class ExactDecimal(TypeDecorator):
    """A Decimal kept exactly: NUMERIC(38, 14) on PostgreSQL, text on SQLite.

    Rollup counters hold sums of amount × rate (up to 4 + 10 decimals) that
    must add up to the same value whichever way they are summed; SQLite would
    turn a NUMERIC into a float, so there the digits are stored as text (and
    summed in Python)."""

    impl = Numeric(38, 14)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(60))
        return dialect.type_descriptor(Numeric(38, 14))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return format(Decimal(value), "f")
        return Decimal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    metadata = metadata


# -- the fact log -----------------------------------------------------------------------------
class FactRow(Base):
    __tablename__ = "facts"
    __table_args__ = (
        Index("ix_facts_type_time", "event_type", "occurred_at"),
        Index("ix_facts_time", "occurred_at"),
        # With the type: an entity's facts of some types come from the index alone,
        # whatever the planner's statistics say about the (very common) types.
        Index("ix_facts_order", "order_id", "event_type"),
        Index("ix_facts_ticket", "ticket_id", "event_type"),
        Index("ix_facts_customer", "customer_id", "event_type"),
        Index("ix_facts_deal", "deal_id"),
        Index("ix_facts_lead", "lead_id"),
        Index("ix_facts_rep", "rep_id"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(REF, unique=True)
    event_type: Mapped[str] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(120))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it happened, UTC
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it reached us
    rep_id: Mapped[str | None] = mapped_column(REF)
    team: Mapped[str | None] = mapped_column(REF)
    region: Mapped[str | None] = mapped_column(REF)
    customer_id: Mapped[str | None] = mapped_column(REF)
    lead_id: Mapped[str | None] = mapped_column(REF)
    deal_id: Mapped[str | None] = mapped_column(REF)
    order_id: Mapped[str | None] = mapped_column(REF)
    ticket_id: Mapped[str | None] = mapped_column(REF)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    fx_rate: Mapped[Decimal | None] = mapped_column(RATE)
    amount_company: Mapped[Decimal | None] = mapped_column(MONEY)  # amount × fx_rate, 4 places
    data: Mapped[dict] = mapped_column(JSON)  # the event's data exactly as received


# -- projections ------------------------------------------------------------------------------
class RollupRow(Base):
    """A counter summed over one local day for one dimension value ("all" has value "")."""

    __tablename__ = "rollup_daily"
    __table_args__ = (Index("ix_rollup_dimension_day", "dimension", "day"),)

    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(REF, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal())


class RollupMonthRow(Base):
    """The same counters summed per local month (`day` is the month's first day)."""

    __tablename__ = "rollup_monthly"
    __table_args__ = (Index("ix_rollup_monthly_dimension_day", "dimension", "day"),)

    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(REF, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal())


class RepDirectoryRow(Base):
    """Each rep's (or agent's) latest team and region, as the facts tell them."""

    __tablename__ = "rep_directory"

    rep_id: Mapped[str] = mapped_column(REF, primary_key=True)
    team: Mapped[str | None] = mapped_column(REF)
    team_seen: Mapped[str | None] = mapped_column(String(120))  # "<occurred_at ISO>|<event id>"
    region: Mapped[str | None] = mapped_column(REF)
    region_seen: Mapped[str | None] = mapped_column(String(120))


class ProjectionStateRow(Base):
    """The timezone and currency the projections were built in, and the last rebuild."""

    __tablename__ = "projection_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    rebuilt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rebuilt_facts: Mapped[int | None] = mapped_column(BigInteger)
    # Moves with every committed change to the log, the rollups or the directory:
    # a finished summary computed at one generation is good until the next.
    generation: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


# -- classification, reports, jobs --------------------------------------------------------------
class CustomerClassRow(Base):
    __tablename__ = "customer_classes"
    __table_args__ = (Index("ix_customer_classes_class", "abc_class"),)

    customer_id: Mapped[str] = mapped_column(REF, primary_key=True)
    abc_class: Mapped[str] = mapped_column(String(1))
    previous_class: Mapped[str | None] = mapped_column(String(1))
    trailing_revenue: Mapped[Decimal] = mapped_column(MONEY)
    as_of: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReportRow(Base):
    """A closed period's report as it stood when kpi.report.ready went out."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("period_kind", "period", name="uq_reports_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period_kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(30))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content: Mapped[dict] = mapped_column(JSON)


class JobRunRow(Base):
    """A periodic job done for one key (ABC for a day): never twice."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[dict | None] = mapped_column(JSON)


# -- scorecards -----------------------------------------------------------------------------------
class ScorecardRow(Base):
    __tablename__ = "scorecards"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "period", name="uq_scorecard_subject_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # rep | team
    subject_id: Mapped[str] = mapped_column(REF)
    period: Mapped[str] = mapped_column(String(30))  # a period label: 2026-11, 2026-Q4 …
    period_kind: Mapped[str] = mapped_column(String(10))
    rules: Mapped[dict] = mapped_column(JSON)
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
    team: Mapped[str | None] = mapped_column(REF)  # the subject's team and region when set (visibility)
    region: Mapped[str | None] = mapped_column(REF)

    targets: Mapped[list[TargetRow]] = relationship(
        back_populates="scorecard", cascade="all, delete-orphan", order_by="TargetRow.id")
    evaluations: Mapped[list[EvaluationRow]] = relationship(
        back_populates="scorecard", cascade="all, delete-orphan", order_by="EvaluationRow.id")


class TargetRow(Base):
    __tablename__ = "scorecard_targets"
    __table_args__ = (UniqueConstraint("scorecard_id", "metric", name="uq_target_metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(40))
    target: Mapped[Decimal] = mapped_column(MONEY)
    weight_percent: Mapped[Decimal] = mapped_column(PERCENT)
    direction: Mapped[str] = mapped_column(String(10))

    scorecard: Mapped[ScorecardRow] = relationship(back_populates="targets")


class EvaluationRow(Base):
    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("scorecard_id", "source", "evaluator", name="uq_evaluation_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))  # supervisor | self | customer | peer
    score: Mapped[Decimal] = mapped_column(PERCENT)
    evaluator: Mapped[str] = mapped_column(String(120))
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    scorecard: Mapped[ScorecardRow] = relationship(back_populates="evaluations")


# -- commissions -------------------------------------------------------------------------------------
class CommissionPlanRow(Base):
    __tablename__ = "commission_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    components: Mapped[list] = mapped_column(JSON)
    bonuses: Mapped[list] = mapped_column(JSON)
    clawback: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    assignments: Mapped[list[PlanAssignmentRow]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanAssignmentRow.valid_from")


class PlanAssignmentRow(Base):
    """Which plan pays a rep from one date (inclusive) to another (inclusive, open when null)."""

    __tablename__ = "plan_assignments"
    __table_args__ = (UniqueConstraint("rep_id", "valid_from", name="uq_assignment_rep_from"),
                      Index("ix_assignment_rep", "rep_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("commission_plans.id", ondelete="CASCADE"))
    rep_id: Mapped[str] = mapped_column(REF)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    team: Mapped[str | None] = mapped_column(REF)
    region: Mapped[str | None] = mapped_column(REF)

    plan: Mapped[CommissionPlanRow] = relationship(back_populates="assignments")


PROJECTION_TABLES = (RollupRow.__table__, RollupMonthRow.__table__, RepDirectoryRow.__table__)
