"""0003 turns the child rows' integer ids into text ids made by the service: existing
versions keep their lines, transitions and stages on the way up, and on the way down
every row is numbered afresh with each line still under its version."""
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from orders.bootstrap import spec
from salesloop.migrations import alembic_config, upgrade

AT = datetime(2025, 5, 1, tzinfo=timezone.utc)
# Integer ids out of order, so that the numbers the downgrade gives meet ids still to renumber.
VERSIONS = ((5, "o-1", 1), (1, "o-1", 2), (2, "o-2", 1))
LINES = ((3, 5, 0), (1, 5, 1), (2, 1, 0), (7, 2, 0))
LINKED = "select v.order_id, v.number, l.position from order_lines l join order_versions v on v.id = l.version_id"


def _seed(connection) -> None:
    for order_id in ("o-1", "o-2"):
        connection.execute(text(
            "insert into orders (id, order_number, origin, customer_id, customer_name, status, version, currency,"
            " fx_rate, total_amount, tax_amount, gross_amount, delivery_date, notes, placed_at, created_at,"
            " created_by, updated_at) values (:id, :id, 'phone', 'c-1', 'C', 'created', 1, 'CNY', 1, 1, 0, 1,"
            " '2025-06-01', '', :at, :at, 'u-1', :at)"), {"id": order_id, "at": AT})
    for version_id, order_id, number in VERSIONS:
        connection.execute(text(
            "insert into order_versions (id, order_id, number, currency, fx_rate, delivery_date, total_amount,"
            " tax_amount, created_at, created_by) values (:id, :order_id, :number, 'CNY', 1, '2025-06-01', 1, 0,"
            " :at, 'u-1')"), {"id": version_id, "order_id": order_id, "number": number, "at": AT})
    for line_id, version_id, position in LINES:
        connection.execute(text(
            "insert into order_lines (id, version_id, position, product_code, description, quantity, unit_price,"
            " discount_pct, tax_rate_pct, amount, tax_amount) values (:id, :version_id, :position, 'P-1', 'P', 1,"
            " 1, 0, 0, 1, 0)"), {"id": line_id, "version_id": version_id, "position": position})
    connection.execute(text("insert into order_stages (id, order_id, position, name, due_date, status)"
                            " values (9, 'o-1', 0, 'preparation', '2025-05-02', 'pending')"))
    connection.execute(text("insert into order_transitions (id, order_id, position, to_state, by, at, details)"
                            " values (4, 'o-1', 0, 'created', 'u-1', :at, '{}')"), {"at": AT})


def _rows(url: str, query: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(text(query)))
    finally:
        engine.dispose()


def _check_round_trip(url: str) -> None:
    migrations = spec().migrations
    upgrade(migrations, url, "0002")
    engine = create_engine(url)
    with engine.begin() as connection:
        _seed(connection)
    engine.dispose()
    linked = _rows(url, LINKED)

    upgrade(migrations, url)
    assert _rows(url, LINKED) == linked
    assert _rows(url, "select id from order_versions") == [("1",), ("2",), ("5",)]
    assert _rows(url, "select id from order_stages") == [("9",)]

    command.downgrade(alembic_config(migrations, url), "0002")
    assert _rows(url, LINKED) == linked
    assert _rows(url, "select id from order_versions") == [(1,), (2,), (3,)]
    assert _rows(url, "select id from order_lines") == [(1,), (2,), (3,), (4,)]


def test_sqlite_child_ids_survive_the_way_up_and_down(tmp_path):
    _check_round_trip(f"sqlite:///{tmp_path / 'orders.sqlite3'}")


@pytest.mark.integration
def test_postgresql_child_ids_survive_the_way_up_and_down(postgres_url):
    _check_round_trip(postgres_url)
