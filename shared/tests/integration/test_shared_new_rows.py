"""New rows gathered by ``NewRows`` land on PostgreSQL as one executemany per table, parents
before children, and behave as an autoflush would: a query later in the transaction sees
them, a tracked row may refer to them, and a rollback leaves nothing behind."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import ForeignKey, String, create_engine, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from salesloop.new_rows import NewRows

pytestmark = pytest.mark.integration


class Base(DeclarativeBase):
    pass


def _id() -> str:
    return str(uuid.uuid4())


class Order(Base):
    __tablename__ = "t_orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    customer: Mapped[str] = mapped_column(String(50))
    versions: Mapped[list[Version]] = relationship(cascade="all, delete-orphan")


class Version(Base):
    __tablename__ = "t_versions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("t_orders.id"))
    number: Mapped[int]
    lines: Mapped[list[Line]] = relationship(cascade="all, delete-orphan")


class Line(Base):
    __tablename__ = "t_lines"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    version_id: Mapped[str] = mapped_column(ForeignKey("t_versions.id"))
    sku: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(20))


class Complaint(Base):
    """A row the session tracks that refers to a new one."""

    __tablename__ = "t_complaints"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("t_orders.id"))


@pytest.fixture
def session(postgres_url):
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def new_order(customer: str, versions: int = 2, lines: int = 3) -> Order:
    """An order built as a repository builds one: keys set, children shown on the collections."""
    order = Order(id=_id(), customer=customer)
    shown = []
    for number in range(versions):
        version = Version(id=_id(), order_id=order.id, number=number)
        # a line without a note leaves the column out: another executemany, NULL in the row
        set_committed_value(version, "lines", [Line(version_id=version.id, sku=f"SKU-{n}", **(
            {"note": "gift"} if n else {})) for n in range(lines)])
        shown.append(version)
    set_committed_value(order, "versions", shown)
    return order


def statements_of(session: Session) -> list[str]:
    sent: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *args: sent.append(args[2]))
    return sent


def count(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_rows_land_parents_first_in_one_executemany_per_table_and_column_set(session):
    rows = NewRows.of(session)
    orders = [new_order(f"customer {n}") for n in range(4)]
    for order in orders:
        rows.add(order)
    sent = statements_of(session)
    rows.flush()
    session.commit()

    assert NewRows.of(session) is rows  # one per session
    tables = [statement.split()[2] for statement in sent if statement.startswith("INSERT")]
    assert tables == ["t_orders", "t_versions", "t_lines", "t_lines"]  # lines: with a note and without
    assert (count(session, Order), count(session, Version), count(session, Line)) == (4, 8, 24)
    assert session.scalar(select(func.count()).where(Line.note.is_(None))) == 8
    assert all(order not in session for order in orders)  # values written, not rows it tracks


def test_a_query_later_in_the_transaction_sees_them(session):
    rows = NewRows.of(session)
    order = new_order("王伟")
    rows.add(order)
    assert session.scalar(select(Order.customer).where(Order.id == order.id)) == "王伟"
    assert count(session, Line) == 6


def test_a_tracked_row_may_refer_to_them(session):
    rows = NewRows.of(session)
    order = new_order("李娜")
    rows.add(order)
    session.add(Complaint(order_id=order.id))
    session.flush()  # the ORM's own flush: the order must be in before its complaint
    session.commit()
    assert count(session, Complaint) == 1


def test_a_rollback_leaves_nothing_behind(session):
    rows = NewRows.of(session)
    rows.add(new_order("张伟"))
    session.rollback()
    kept = new_order("kept", versions=1, lines=1)
    rows.add(kept)
    session.commit()  # written at the commit
    assert session.scalars(select(Order.customer)).all() == ["kept"]
    assert count(session, Line) == 1


def test_rows_are_not_gathered_inside_a_savepoint(session):
    with session.begin_nested(), pytest.raises(RuntimeError, match="savepoint"):
        NewRows.of(session).add(new_order("赵敏"))
