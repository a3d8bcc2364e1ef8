"""Versions, lines, transitions and stages get ids made by the service (UUID text) instead of
database sequences, so a batch of new orders is written with plain multi-row inserts.

Existing rows keep their numbers, as text ("17"); nothing outside the service ever saw these
ids. Going down numbers every row afresh (1, 2, 3 … in each order's natural sequence) and
brings the sequences back.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROW_ID = sa.String(length=36)
# Each table's rows in the order their new numbers follow when going down.
TABLES = {
    "order_versions": ("order_id", "number"),
    "order_lines": ("version_id", "position"),
    "order_transitions": ("order_id", "position"),
    "order_stages": ("order_id", "position"),
}
# PostgreSQL's name for the unnamed foreign key 0002 created; kept when it is made again.
LINES_VERSION_FK = "order_lines_version_id_fkey"


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _on_postgresql():
        _upgrade_postgresql()
    else:
        _retype_sqlite(sa.Integer(), ROW_ID)


def _upgrade_postgresql() -> None:
    # The foreign key would refuse a version id and a line's version_id of different types.
    op.drop_constraint(LINES_VERSION_FK, "order_lines", type_="foreignkey")
    for table in TABLES:
        op.alter_column(table, "id", type_=ROW_ID, existing_type=sa.Integer(), server_default=None,
                        postgresql_using="id::varchar")
        op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
    op.alter_column("order_lines", "version_id", type_=ROW_ID, existing_type=sa.Integer(),
                    postgresql_using="version_id::varchar")
    _add_lines_version_fk()


def downgrade() -> None:
    if _on_postgresql():
        op.drop_constraint(LINES_VERSION_FK, "order_lines", type_="foreignkey")
        _renumber()
        _downgrade_postgresql()
    else:
        # Checked at commit: between a version's new id and its lines' there is a moment apart.
        op.execute("PRAGMA defer_foreign_keys = ON")
        _renumber()
        _retype_sqlite(ROW_ID, sa.Integer())


def _downgrade_postgresql() -> None:
    op.alter_column("order_lines", "version_id", type_=sa.Integer(), existing_type=ROW_ID,
                    postgresql_using="version_id::integer")
    for table in TABLES:
        op.alter_column(table, "id", type_=sa.Integer(), existing_type=ROW_ID, postgresql_using="id::integer")
        op.execute(f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id")
        op.execute(f"SELECT setval('{table}_id_seq', COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
    _add_lines_version_fk()


def _add_lines_version_fk() -> None:
    op.create_foreign_key(LINES_VERSION_FK, "order_lines", "order_versions", ["version_id"], ["id"],
                          ondelete="CASCADE")


def _retype_sqlite(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    """SQLite changes a column's type by copying its table. Dropping the old order_versions
    deletes its lines (ON DELETE CASCADE, foreign keys are on), so the lines are kept aside
    and put back once both tables are copied."""
    op.execute("CREATE TABLE _order_lines_kept AS SELECT * FROM order_lines")
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.alter_column("id", type_=new, existing_type=old)
            if table == "order_lines":
                batch.alter_column("version_id", type_=new, existing_type=old)
    columns = ", ".join(LINE_COLUMNS)
    op.execute("DELETE FROM order_lines")  # whatever the cascade left, when foreign keys were off
    op.execute(f"INSERT INTO order_lines ({columns}) SELECT {columns} FROM _order_lines_kept")
    op.execute("DROP TABLE _order_lines_kept")


LINE_COLUMNS = ("id", "version_id", "position", "product_code", "description", "quantity", "unit_price",
                "unit_cost", "discount_pct", "tax_rate_pct", "amount", "tax_amount")
# A mark no id has (numbers and UUIDs have none): ids are renumbered in two steps so that
# a new number never meets an old id that is still to be renumbered.
PENDING = "#"


def _renumber() -> None:
    """Every row's id becomes its number as text ("1", "2" …), and each line follows its
    version, so that the columns can turn back into integers."""
    bind = op.get_bind()
    for table, ordering in TABLES.items():
        ids = bind.execute(sa.text(f"SELECT id FROM {table} ORDER BY {', '.join(ordering)}")).scalars().all()
        numbers = [{"old": old, "new": f"{PENDING}{number}"} for number, old in enumerate(ids, start=1)]
        if not numbers:
            continue
        if table == "order_versions":
            bind.execute(sa.text("UPDATE order_lines SET version_id = :new WHERE version_id = :old"), numbers)
        bind.execute(sa.text(f"UPDATE {table} SET id = :new WHERE id = :old"), numbers)
    for table in TABLES:
        bind.execute(sa.text(f"UPDATE {table} SET id = substr(id, 2) WHERE id LIKE '{PENDING}%'"))
    bind.execute(sa.text(f"UPDATE order_lines SET version_id = substr(version_id, 2) "
                         f"WHERE version_id LIKE '{PENDING}%'"))
