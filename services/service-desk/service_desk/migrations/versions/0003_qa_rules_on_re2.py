"""Regex compliance rules run on RE2, which has no look-around: the shipped
ID-card rule seeded by earlier versions is rewritten to match its context and
name its hit. Rules a company wrote itself are left as they are; one that RE2
refuses is reported when the rules are next loaded or edited.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

RULE_ID = "privacy.id_card_number"
BACKTRACKING = r"(?<!\d)\d{17}[\dx](?!\d)"
LINEAR = r"(?:^|\D)(?P<hit>\d{17}[\dx])(?:\D|$)"

qa_rules = sa.table("qa_rules", sa.column("id", sa.String), sa.column("pattern", sa.Text))


def upgrade() -> None:
    _rewrite(BACKTRACKING, LINEAR)


def downgrade() -> None:
    _rewrite(LINEAR, BACKTRACKING)


def _rewrite(old: str, new: str) -> None:
    op.execute(qa_rules.update()
               .where(qa_rules.c.id == RULE_ID, qa_rules.c.pattern == old)
               .values(pattern=new))
