"""The pipeline: customers (copy), deals and their stage history, proposals and
their lines, negotiation minutes, contracts with lines and review trail, and
the dated exchange-rate table.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=18, scale=4)
PERCENT = sa.Numeric(precision=7, scale=4)
RATE = sa.Numeric(precision=20, scale=10)


def _id(length=36):
    return sa.Column("id", sa.String(length=length), nullable=False)


def _when(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name, length=None, nullable=False):
    kind = sa.String(length=length) if length else sa.Text()
    return sa.Column(name, kind, nullable=nullable)


def _totals():
    return [sa.Column(name, MONEY, nullable=False) for name in ("list_amount", "discount", "net", "tax", "gross")]


def _line_columns():
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("product_code", 64),
        _text("description", 500),
        sa.Column("quantity", MONEY, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("discount_pct", PERCENT, nullable=False),
        sa.Column("tax_rate_pct", PERCENT, nullable=False),
        sa.Column("unit_cost", MONEY, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    ]


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", RATE, nullable=False),
        _when("valid_from"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("currency", "valid_from", name="uq_fx_rate_currency_from"),
    )
    op.create_table(
        "customers",
        _id(64),
        _text("name", 200),
        *[_text(name, length, nullable=True) for name, length in (
            ("company", 200), ("category", 20), ("abc_class", 1), ("industry", 100), ("region", 64), ("team", 64),
            ("owner_rep_id", 64), ("contact_name", 120), ("contact_phone", 40), ("contact_email", 200))],
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "deals",
        _id(),
        _text("lead_id", 64, nullable=True),
        _text("customer_id", 64),
        _text("customer_name", 200),
        _text("title", 200),
        _text("owner_rep_id", 64),
        _text("team", 64),
        _text("region", 64),
        _text("stage", 20),
        sa.Column("amount", MONEY, nullable=False),
        _text("currency", 3),
        sa.Column("fx_rate", RATE, nullable=False),
        sa.Column("probability", PERCENT, nullable=False),
        sa.Column("probability_override", PERCENT, nullable=True),
        _text("grade", 1),
        sa.Column("expected_close_date", sa.Date(), nullable=False),
        _text("needs"),
        _text("goals"),
        sa.Column("competitors", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("spin", sa.JSON(), nullable=False),
        _text("source", 40, nullable=True),
        _text("lost_reason", nullable=True),
        _text("lost_to", 200, nullable=True),
        _text("contract_id", 36, nullable=True),
        _text("created_by", 64),
        _when("lead_captured_at", nullable=True),
        _when("opened_at"),
        _when("updated_at"),
        _when("touched_at"),
        _when("followup_due_at", nullable=True),
        _when("closed_at", nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id", name="uq_deals_lead_id"),
    )
    op.create_index("ix_deals_close", "deals", ["expected_close_date"])
    op.create_index("ix_deals_customer", "deals", ["customer_id"])
    op.create_index("ix_deals_owner", "deals", ["owner_rep_id", "stage"])
    op.create_index("ix_deals_team_region", "deals", ["team", "region"])

    op.create_table(
        "deal_stage_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _text("deal_id", 36),
        _text("from_stage", 20),
        _text("to_stage", 20),
        _text("kind", 10),
        _text("changed_by", 64),
        _when("changed_at"),
        _text("reason", nullable=True),
        _text("competitor", 200, nullable=True),
        sa.Column("probability", PERCENT, nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deal_stage_changes_deal_id", "deal_stage_changes", ["deal_id"])

    op.create_table(
        "negotiation_minutes",
        _id(),
        _text("deal_id", 36),
        _text("subject", 300),
        _when("held_at"),
        _text("recorded_by", 64),
        _when("recorded_at"),
        *[sa.Column(name, sa.JSON(), nullable=False)
          for name in ("attendees", "agreed_points", "open_points", "next_steps")],
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_negotiation_minutes_deal_id", "negotiation_minutes", ["deal_id"])

    op.create_table(
        "proposals",
        _id(),
        _text("deal_id", 36),
        sa.Column("version", sa.Integer(), nullable=False),
        _text("status", 12),
        _text("currency", 3),
        sa.Column("valid_until", sa.Date(), nullable=False),
        _text("notes"),
        *_totals(),
        _text("created_by", 64),
        _when("created_at"),
        _when("sent_at", nullable=True),
        _when("decided_at", nullable=True),
        _text("rejection_reason", nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deal_id", "version", name="uq_proposals_deal_version"),
    )
    op.create_index("ix_proposals_status_valid", "proposals", ["status", "valid_until"])
    op.create_table(
        "proposal_items",
        _text("proposal_id", 36),
        *_line_columns(),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("proposal_id", "position", name="uq_proposal_items_position"),
    )

    op.create_table(
        "contracts",
        _id(),
        _text("deal_id", 36),
        _text("proposal_id", 36),
        sa.Column("quote_version", sa.Integer(), nullable=False),
        _text("customer_id", 64),
        _text("owner_rep_id", 64),
        _text("team", 64),
        _text("region", 64),
        _text("status", 12),
        sa.Column("revision", sa.Integer(), nullable=False),
        _text("currency", 3),
        *_totals(),
        _text("delivery_terms"),
        _text("payment_terms"),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        _text("delivery_address"),
        _text("drafted_by", 64),
        _when("drafted_at"),
        _text("reviewed_by", 64, nullable=True),
        _when("reviewed_at", nullable=True),
        _text("rejection_reason", nullable=True),
        _when("signed_at", nullable=True),
        _text("signatory", 200, nullable=True),
        _text("signatory_title", 200, nullable=True),
        _text("company_currency", 3, nullable=True),
        sa.Column("fx_rate", RATE, nullable=True),
        sa.Column("net_company", MONEY, nullable=True),
        sa.Column("gross_company", MONEY, nullable=True),
        _when("updated_at"),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deal_id", name="uq_contracts_deal_id"),
    )
    op.create_index("ix_contracts_status", "contracts", ["status", "region", "team"])
    op.create_table(
        "contract_items",
        _text("contract_id", 36),
        *_line_columns(),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("contract_id", "position", name="uq_contract_items_position"),
    )
    op.create_table(
        "contract_status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _text("contract_id", 36),
        _text("from_status", 12),
        _text("to_status", 12),
        _text("changed_by", 64),
        _when("changed_at"),
        _text("reason", nullable=True),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contract_status_changes_contract_id", "contract_status_changes", ["contract_id"])


def downgrade() -> None:
    for table in ("contract_status_changes", "contract_items", "contracts", "proposal_items", "proposals",
                  "negotiation_minutes", "deal_stage_changes", "deals", "customers", "fx_rates"):
        op.drop_table(table)  # their indexes go with them
