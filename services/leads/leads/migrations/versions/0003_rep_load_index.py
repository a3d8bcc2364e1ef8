"""A partial index for counting reps' open leads while assignment holds the reps' locks.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

REP_LOAD = sa.text("status IN ('assigned', 'contacted', 'qualified') AND merged_into IS NULL")


def upgrade() -> None:
    op.create_index("ix_leads_rep_load", "leads", ["owner_rep_id"], unique=False,
                    postgresql_where=REP_LOAD, sqlite_where=REP_LOAD)


def downgrade() -> None:
    op.drop_index("ix_leads_rep_load", table_name="leads")
