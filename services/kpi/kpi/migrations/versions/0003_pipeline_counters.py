"""The weighted pipeline is kept in the rollups as counters of changes (one per
deal fact) instead of being folded from every deal fact on each read: rebuild the
projections once, in their own calendar and currency, so the deals already in
the log have theirs. A database without a projection yet has nothing to redo.
The projection state gets a generation, moved by every change, that finished
summaries are kept by.

Revision ID: 0003
Revises: 0002
"""
from datetime import datetime, timezone
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from kpi.commands.rebuild import rebuild  # the rules of today's code, as any rebuild

    op.add_column("projection_state", sa.Column("generation", sa.BigInteger(), server_default="0", nullable=False))
    bind = op.get_bind()
    state = bind.execute(sa.text("SELECT timezone, currency FROM projection_state WHERE name = 'rollup'")).first()
    if state is None:
        return
    session = Session(bind=bind)
    rebuild(session, SimpleNamespace(timezone=state.timezone, currency=state.currency),
            now=datetime.now(timezone.utc))
    session.flush()  # committed with the migration


def downgrade() -> None:
    """The pipeline counters stay; the older code never reads them."""
    with op.batch_alter_table("projection_state") as table:
        table.drop_column("generation")
