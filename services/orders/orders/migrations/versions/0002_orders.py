"""Orders, their versions and lines, transitions, plan stages, change requests; dated exchange rates.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=18, scale=4)
QUANTITY = sa.Numeric(precision=18, scale=6)
PERCENT = sa.Numeric(precision=9, scale=4)
RATE = sa.Numeric(precision=20, scale=10)


def aware():
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", RATE, nullable=False),
        sa.Column("valid_from", aware(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("currency", "valid_from", name="uq_fx_rate_currency_from"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("contract_id", sa.String(length=100), nullable=True),
        sa.Column("deal_id", sa.String(length=100), nullable=True),
        sa.Column("storefront_order_id", sa.String(length=100), nullable=True),
        sa.Column("request_key", sa.String(length=100), nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("customer_contact", sa.JSON(), nullable=True),
        sa.Column("rep_id", sa.String(length=100), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fx_rate", RATE, nullable=False),
        sa.Column("total_amount", MONEY, nullable=False),
        sa.Column("total_cost", MONEY, nullable=True),
        sa.Column("tax_amount", MONEY, nullable=False),
        sa.Column("gross_amount", MONEY, nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("delivery_address", sa.Text(), nullable=True),
        sa.Column("shipping_address", sa.JSON(), nullable=True),
        sa.Column("delivery_terms", sa.String(length=200), nullable=True),
        sa.Column("payment_terms", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("placed_at", aware(), nullable=False),
        sa.Column("created_at", aware(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", aware(), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("shipped_at", aware(), nullable=True),
        sa.Column("delivered_at", aware(), nullable=True),
        sa.Column("paid_amount", MONEY, nullable=True),
        sa.Column("paid_at", aware(), nullable=True),
        sa.Column("closing_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        # One order per business key: what makes redelivered events harmless.
        sa.UniqueConstraint("contract_id", name="uq_orders_contract_id"),
        sa.UniqueConstraint("order_number", name="uq_orders_order_number"),
        sa.UniqueConstraint("request_key", name="uq_orders_request_key"),
        sa.UniqueConstraint("storefront_order_id", name="uq_orders_storefront_order_id"),
    )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    op.create_index("ix_orders_owner", "orders", ["region", "team", "rep_id"])
    op.create_index("ix_orders_placed_at", "orders", ["placed_at"])
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_table(
        "change_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", aware(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("impact", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", aware(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("applied_at", aware(), nullable=True),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_change_requests_order", "change_requests", ["order_id", "requested_at"])
    op.create_table(
        "order_stages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", aware(), nullable=True),
        sa.Column("started_by", sa.String(length=100), nullable=True),
        sa.Column("completed_at", aware(), nullable=True),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("overdue_reported_for", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "name", name="uq_order_stages_name"),
    )
    op.create_index("ix_order_stages_due", "order_stages", ["status", "due_date"])
    op.create_table(
        "order_transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("at", aware(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "position", name="uq_order_transitions_position"),
    )
    op.create_table(
        "order_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fx_rate", RATE, nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("total_amount", MONEY, nullable=False),
        sa.Column("total_cost", MONEY, nullable=True),
        sa.Column("tax_amount", MONEY, nullable=False),
        sa.Column("created_at", aware(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("change_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "number", name="uq_order_versions_number"),
    )
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("unit_price", QUANTITY, nullable=False),
        sa.Column("unit_cost", QUANTITY, nullable=True),
        sa.Column("discount_pct", PERCENT, nullable=False),
        sa.Column("tax_rate_pct", PERCENT, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("tax_amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["order_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "position", name="uq_order_lines_position"),
    )


def downgrade() -> None:
    op.drop_table("order_lines")
    op.drop_table("order_versions")
    op.drop_table("order_transitions")
    op.drop_index("ix_order_stages_due", table_name="order_stages")
    op.drop_table("order_stages")
    op.drop_index("ix_change_requests_order", table_name="change_requests")
    op.drop_table("change_requests")
    for index in ("ix_orders_status", "ix_orders_placed_at", "ix_orders_owner", "ix_orders_customer_id"):
        op.drop_index(index, table_name="orders")
    op.drop_table("orders")
    op.drop_table("fx_rates")
