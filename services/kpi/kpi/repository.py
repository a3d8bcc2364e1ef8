"""The fact log and the projections in the database: reads, writes and locks.

Everything here takes a SQLAlchemy session (the unit of work's), so the fact,
the rollup change and the inbox row commit together. PostgreSQL and SQLite
differ in two places only: PostgreSQL sums and upserts counters in SQL and
serialises work on one entity with advisory locks; SQLite keeps counters as
exact text, sums them in Python, and serialises every writer anyway.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

from kpi.domain import counter_metrics as cm
from kpi.domain import facts as ft
from kpi.domain import metrics as dm
from kpi.domain import projection as pj
from kpi.domain.access import EVERYONE, Slice
from kpi.domain.facts import Dimension, Fact
from kpi.domain.metric_value import MetricValue, count_value
from kpi.domain.money import quantize_money
from kpi.domain.periods import Period, company_timezone, previous, same_period_last_year, sub_periods
from kpi.domain import rollup as ru
from kpi.domain.rollup import Contributions, RollupKey, credited_to_owners
from kpi.models import FactRow, ProjectionStateRow, RepDirectoryRow, RollupMonthRow, RollupRow
from kpi.readers import UnreadableEvent, to_fact

ROLLUP = RollupRow.__table__
MONTHLY = RollupMonthRow.__table__
FACTS = FactRow.__table__
DIRECTORY = RepDirectoryRow.__table__
STATE_NAME = "rollup"
REBUILD_LOCK = "kpi:projections"
ORDER_TYPES = sorted(ft.ORDER_EVENTS)
TICKET_TYPES = sorted(ft.TICKET_EVENTS)
LEAD_TYPES = sorted(ft.LEAD_EVENTS)
DEAL_TYPES = sorted(ft.DEAL_EVENTS)
FIRST_ORDER_TYPES = [ft.ORDER_CREATED, ft.ORDER_CANCELLED]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# -- projection settings ------------------------------------------------------------------------
@dataclass(frozen=True)
class Projection:
    """The timezone and currency the stored counters are in."""

    timezone: str
    currency: str
    rebuilt_at: datetime | None = None
    rebuilt_facts: int | None = None
    generation: int = 0  # of the projections: see ProjectionStateRow.generation

    @property
    def tz(self) -> ZoneInfo:
        return company_timezone(self.timezone)


def projection(session: Session, config, *, create: bool = False) -> Projection:
    """The counters keep the timezone they were built in until a rebuild, so a
    changed COMPANY_TIMEZONE never mixes two calendars in one table."""
    row = session.get(ProjectionStateRow, STATE_NAME)
    if row is None:
        if create:
            session.add(ProjectionStateRow(name=STATE_NAME, timezone=config.timezone, currency=config.currency))
            session.flush()
        return Projection(config.timezone, config.currency)
    return Projection(row.timezone, row.currency, row.rebuilt_at, row.rebuilt_facts, row.generation or 0)


def record_rebuild(session: Session, config, at: datetime, facts: int) -> Projection:
    row = session.get(ProjectionStateRow, STATE_NAME)
    if row is None:
        row = ProjectionStateRow(name=STATE_NAME)
        session.add(row)
    row.timezone, row.currency, row.rebuilt_at, row.rebuilt_facts = config.timezone, config.currency, at, facts
    row.generation = (row.generation or 0) + 1
    session.flush()
    return Projection(row.timezone, row.currency, at, facts, row.generation)


def next_generation(session: Session) -> None:
    """The projections changed: summaries computed before are out of date. Last
    in a writing transaction, so the row is locked only for its commit."""
    session.execute(update(ProjectionStateRow).where(ProjectionStateRow.name == STATE_NAME)
                    .values(generation=ProjectionStateRow.generation + 1))


# -- locks -----------------------------------------------------------------------------------------
def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big", signed=True)


def lock(session: Session, *names: str, shared: bool = False) -> None:
    """Transaction-scoped advisory locks on PostgreSQL, always taken in sorted order
    (two workers locking the same names can never wait on each other in a cycle)."""
    if not is_postgres(session):
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    ordered = sorted(set(names))
    if len(ordered) == 1:
        session.execute(text(f"select {function}(:key)"), {"key": _lock_key(ordered[0])})
    elif ordered:
        # One round trip for many names, still taken one after the other in sorted order.
        session.execute(text(f"select {function}(k.key) from unnest(CAST(:keys AS bigint[])) WITH ORDINALITY"
                             " AS k(key, n) order by k.n"), {"keys": [_lock_key(name) for name in ordered]})


# -- the fact log -------------------------------------------------------------------------------------
def fact_values(fact: Fact, *, event_id: str, event_type: str, source: str | None, subject: str | None,
                data: dict, recorded_at: datetime) -> dict:
    """A facts row: the raw data plus the columns lookups and plain SQL need."""
    amount = fact.amount
    company = None
    if amount is not None:
        company = amount.amount if amount.fx_rate is None else amount.amount * amount.fx_rate
        company = quantize_money(company, 4)
    return {
        "event_id": event_id, "event_type": event_type, "source": (source or "")[:200] or None,
        "subject": (subject or "")[:120] or None, "occurred_at": fact.occurred_at, "recorded_at": recorded_at,
        "rep_id": fact.rep, "team": fact.team, "region": fact.region, "customer_id": fact.customer_id,
        "lead_id": fact.lead_id, "deal_id": fact.deal_id, "order_id": fact.order_id,
        "ticket_id": fact.ticket_id, "currency": amount.currency if amount else None,
        "amount": amount.amount if amount else None, "fx_rate": amount.fx_rate if amount else None,
        "amount_company": company, "data": data,
    }


def add_facts(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(FACTS), rows)  # parameters apart: the statement compiles once


FACT_COLUMNS = (FACTS.c.event_id, FACTS.c.event_type, FACTS.c.data, FACTS.c.occurred_at)


def row_to_fact(row, currency: str) -> Fact | None:
    """The stored event as a fact (None if it can no longer be read as one)."""
    try:
        return to_fact(row.event_type, row.data, event_id=row.event_id, fallback_time=row.occurred_at,
                       company_currency=currency)
    except UnreadableEvent:
        return None


def _facts(session: Session, query, currency: str) -> list[Fact]:
    facts = (row_to_fact(row, currency) for row in session.execute(query))
    return [fact for fact in facts if fact is not None]


def order_facts(session: Session, order_id: str, currency: str) -> list[Fact]:
    query = select(*FACT_COLUMNS).where(FACTS.c.order_id == order_id, FACTS.c.event_type.in_(ORDER_TYPES))
    return _facts(session, query, currency)


def ticket_facts(session: Session, ticket_id: str, currency: str) -> list[Fact]:
    query = select(*FACT_COLUMNS).where(FACTS.c.ticket_id == ticket_id, FACTS.c.event_type.in_(TICKET_TYPES))
    return _facts(session, query, currency)


def lead_facts(session: Session, lead_id: str, currency: str) -> list[Fact]:
    query = select(*FACT_COLUMNS).where(FACTS.c.lead_id == lead_id, FACTS.c.event_type.in_(LEAD_TYPES))
    return _facts(session, query, currency)


def deal_facts(session: Session, deal_id: str, currency: str) -> list[Fact]:
    query = select(*FACT_COLUMNS).where(FACTS.c.deal_id == deal_id, FACTS.c.event_type.in_(DEAL_TYPES))
    return _facts(session, query, currency)


def first_order_facts_by_order(session: Session, customer_id: str, currency: str) -> dict[str, list[Fact]]:
    """Creations and cancellations of every order ever created for the customer."""
    orders = select(FACTS.c.order_id).where(FACTS.c.event_type == ft.ORDER_CREATED,
                                            FACTS.c.customer_id == customer_id).scalar_subquery()
    query = select(*FACT_COLUMNS, FACTS.c.order_id).where(
        FACTS.c.order_id.in_(orders), FACTS.c.event_type.in_(FIRST_ORDER_TYPES))
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for row in session.execute(query):
        fact = row_to_fact(row, currency)
        if fact is not None:
            grouped[row.order_id].append(fact)
    return grouped


def facts_of_types(session: Session, types: Iterable[str], currency: str, *, before: datetime | None = None,
                   start: datetime | None = None, column: str | None = None,
                   values: Iterable[str] = (), chunk: int = 5000) -> list[Fact]:
    """Facts of some types, optionally in [start, before) and with `column` in
    `values` (asked for in chunks: a year's ids would overflow one statement)."""
    query = select(*FACT_COLUMNS).where(FACTS.c.event_type.in_(list(types)))
    if before is not None:
        query = query.where(FACTS.c.occurred_at < before)
    if start is not None:
        query = query.where(FACTS.c.occurred_at >= start)
    if column is None:
        return _facts(session, query.order_by(FACTS.c.id), currency)
    wanted = sorted(set(values))
    found: list[Fact] = []
    for offset in range(0, len(wanted), chunk):
        part = query.where(FACTS.c[column].in_(wanted[offset:offset + chunk])).order_by(FACTS.c.id)
        found += _facts(session, part, currency)
    return found


def first_fact_time(session: Session) -> datetime | None:
    return session.execute(select(func.min(FACTS.c.occurred_at))).scalar()


# -- the rollup ---------------------------------------------------------------------------------------
# Counters are kept per local day and, summed again, per local month: a month,
# quarter or year is then read from a dozen rows per series instead of 365.
def month_of(day: date) -> date:
    return day.replace(day=1)


def by_month(daily: Mapping[RollupKey, Decimal]) -> Contributions:
    months: Contributions = defaultdict(Decimal)
    for key, value in daily.items():
        months[key._replace(day=month_of(key.day))] += value
    return {key: value for key, value in months.items() if value != 0}


def _key_tuple(key: RollupKey) -> tuple:
    return (key.dimension, key.value, key.day, key.metric)


def _key_columns(table) -> tuple:
    return (table.c.dimension, table.c.value, table.c.day, table.c.metric)


def apply_delta(session: Session, delta: Contributions) -> None:
    """Add a change to the stored counters, daily and monthly; a counter that
    reaches 0 is removed, so live counters and rebuilt ones are the same rows."""
    if not delta:
        return
    for table, change in ((ROLLUP, delta), (MONTHLY, by_month(delta))):
        keys = sorted(change, key=_key_tuple)  # one lock order for every worker
        if is_postgres(session):
            _upsert_in_sql(session, table, keys, change)
        else:
            _apply_in_python(session, table, keys, change)


class IngestBatch:
    """What the events of one transaction add up to, written once at its commit
    (``uow.deferred`` flushes it): each counter row and each rep's directory row
    moves once per batch, and the projection state and locks are read and taken
    once. Reads during the batch see the facts already added (they are inserted
    at once); nothing in the ingest path reads the counters or the directory."""

    def __init__(self, session: Session):
        self.session = session
        self.pending: list[tuple[dict, Fact]] = []  # facts of the batch, inserted at the flush
        self.read: dict[str, Fact] = {}  # events read into facts before their handlers, by event id
        self.parts: list[Contributions] = []
        self.reps: dict[str, dict] = {}
        self.locked: set[tuple[str, bool]] = set()
        self._projection: Projection | None = None
        # What the log held when the batch took its locks (prefetch): the entity's facts
        # by (column, id), and the first-order facts of each customer's orders. The
        # locks keep them current until the commit; the batch's own facts are added on read.
        self._logged: dict[tuple[str, str], list[Fact]] = {}
        self._customers: dict[str, dict[str, list[Fact]]] = {}

    def lock(self, *names: str, shared: bool = False) -> None:
        wanted = {name for name in names if (name, shared) not in self.locked and (name, False) not in self.locked}
        lock(self.session, *wanted, shared=shared)
        self.locked |= {(name, shared) for name in wanted}

    def projection(self, config) -> Projection:
        if self._projection is None:
            self._projection = projection(self.session, config, create=True)
        return self._projection

    def add(self, delta: Contributions) -> None:
        if delta:
            self.parts.append(delta)

    # The facts of the batch are inserted together at the flush; until then the
    # reads below add them to what the log holds, so an event sees the earlier
    # events of its batch exactly as if each had been inserted at once.
    def add_fact(self, values: dict, fact: Fact) -> None:
        self.pending.append((values, fact))

    def prefetch(self, facts: list[Fact], currency: str) -> None:
        """Lock every entity the batch's facts touch and read what the log holds of
        them, a few statements for the whole batch instead of a lock and a query or
        two per event. The per-event reads below then answer from it; anything not
        foreseen here is locked and read per event as before."""
        wanted: dict[str, set[str]] = {"order_id": set(), "ticket_id": set(), "lead_id": set(), "deal_id": set()}
        for fact in facts:  # the same choice as change_of, in its order
            if pj.is_order_fact(fact):
                wanted["order_id"].add(fact.order_id or "")
            elif pj.is_ticket_fact(fact):
                wanted["ticket_id"].add(fact.ticket_id or "")
            elif pj.is_lead_fact(fact):
                wanted["lead_id"].add(fact.lead_id or "")
            elif pj.is_deal_fact(fact):
                wanted["deal_id"].add(fact.deal_id or "")
        self.lock(*(f"{column[:-3]}:{value}" for column, values in wanted.items() for value in values))
        for column, types in (("order_id", ORDER_TYPES), ("ticket_id", TICKET_TYPES), ("lead_id", LEAD_TYPES),
                              ("deal_id", DEAL_TYPES)):
            self._prefetch_entities(column, types, sorted(wanted[column] - {key for c, key in self._logged if c == column}),
                                    currency)
        customers = {fact.customer_id for fact in facts if pj.moves_first_orders(fact) and fact.customer_id}
        customers |= {customer for fact in facts if pj.moves_first_orders(fact)
                      if (customer := pj.customer_of_order(self._logged.get(("order_id", fact.order_id or ""), [])))}
        customers -= set(self._customers)
        if customers:
            self.lock(*(f"customer:{customer}" for customer in customers))
            self._prefetch_customers(sorted(customers), currency)

    def _prefetch_entities(self, column: str, types: list[str], ids: list[str], currency: str) -> None:
        if not ids:
            return
        found: dict[str, list[Fact]] = {value: [] for value in ids}
        query = select(*FACT_COLUMNS, FACTS.c[column].label("entity")).where(
            FACTS.c[column].in_(ids), FACTS.c.event_type.in_(types)).order_by(FACTS.c.id)
        for row in self.session.execute(query):
            fact = row_to_fact(row, currency)
            if fact is not None:
                found[row.entity].append(fact)
        self._logged.update({(column, value): facts for value, facts in found.items()})

    def _prefetch_customers(self, customers: list[str], currency: str) -> None:
        owners = select(FACTS.c.order_id, FACTS.c.customer_id).where(
            FACTS.c.event_type == ft.ORDER_CREATED, FACTS.c.customer_id.in_(customers)).distinct().subquery()
        query = select(*FACT_COLUMNS, FACTS.c.order_id, owners.c.customer_id.label("owner")).join(
            owners, owners.c.order_id == FACTS.c.order_id).where(
            FACTS.c.event_type.in_(FIRST_ORDER_TYPES)).order_by(FACTS.c.id)
        found: dict[str, dict[str, list[Fact]]] = {customer: defaultdict(list) for customer in customers}
        for row in self.session.execute(query):
            fact = row_to_fact(row, currency)
            if fact is not None:
                found[row.owner][row.order_id].append(fact)
        self._customers.update(found)

    def _log(self, column: str, value: str, currency: str, read) -> list[Fact]:
        cached = self._logged.get((column, value))
        return list(cached) if cached is not None else read(self.session, value, currency)

    def order_facts(self, order_id: str, currency: str) -> list[Fact]:
        return [*self._log("order_id", order_id, currency, order_facts),
                *self._pending("order_id", order_id, ORDER_TYPES)]

    def ticket_facts(self, ticket_id: str, currency: str) -> list[Fact]:
        return [*self._log("ticket_id", ticket_id, currency, ticket_facts),
                *self._pending("ticket_id", ticket_id, TICKET_TYPES)]

    def lead_facts(self, lead_id: str, currency: str) -> list[Fact]:
        return [*self._log("lead_id", lead_id, currency, lead_facts),
                *self._pending("lead_id", lead_id, LEAD_TYPES)]

    def deal_facts(self, deal_id: str, currency: str) -> list[Fact]:
        return [*self._log("deal_id", deal_id, currency, deal_facts),
                *self._pending("deal_id", deal_id, DEAL_TYPES)]

    def first_order_facts_by_order(self, customer_id: str, currency: str) -> dict[str, list[Fact]]:
        cached = self._customers.get(customer_id)
        grouped: dict[str, list[Fact]]
        if cached is not None:
            grouped = defaultdict(list, {order_id: list(facts) for order_id, facts in cached.items()})
        else:
            grouped = first_order_facts_by_order(self.session, customer_id, currency)
        created_here = {values["order_id"] for values, _ in self.pending
                        if values["event_type"] == ft.ORDER_CREATED and values["customer_id"] == customer_id}
        for order_id in sorted(created_here - set(grouped)):  # created in this batch: what the log has of it
            grouped[order_id] = [fact for fact in self._log("order_id", order_id, currency, order_facts)
                                 if fact.event_type in FIRST_ORDER_TYPES]
        for values, fact in self.pending:
            if values["order_id"] in grouped and values["event_type"] in FIRST_ORDER_TYPES:
                grouped[values["order_id"]].append(fact)
        return grouped

    def _pending(self, column: str, value: str, types) -> list[Fact]:
        return [fact for values, fact in self.pending if values[column] == value and values["event_type"] in types]

    def note_rep(self, fact: Fact) -> None:
        """Keep the rep's latest team and region (by when the facts happened, not when they arrived)."""
        if not fact.rep or not (fact.team or fact.region):
            return
        note = self.reps.setdefault(fact.rep, {})
        seen = _seen(fact)
        if fact.team and seen > note.get("team_seen", ""):
            note["team"], note["team_seen"] = fact.team, seen
        if fact.region and seen > note.get("region_seen", ""):
            note["region"], note["region_seen"] = fact.region, seen

    def flush(self) -> None:
        changed = bool(self.pending or self.parts or self.reps)
        add_facts(self.session, [values for values, _ in self.pending])
        apply_delta(self.session, pj.merge(self.parts))
        write_rep_notes(self.session, self.reps)
        self.pending, self.parts, self.reps = [], [], {}
        if changed:
            next_generation(self.session)


def _upsert_in_sql(session: Session, table, keys: list[RollupKey], change: Contributions) -> None:
    if not keys:
        return
    # One fixed statement over arrays, whatever the batch holds: parsed and planned once,
    # one round trip; the rows it leaves at 0 come back and are removed.
    columns = {"dimension": [k.dimension for k in keys], "value": [k.value for k in keys],
               "day": [k.day for k in keys], "metric": [k.metric for k in keys],
               "amount": [change[k] for k in keys]}
    moved = session.execute(text(_UPSERT.format(table=table.name)), columns)
    emptied = [row for row in moved if row.amount == 0]
    if emptied:
        session.execute(text(_DELETE_EMPTIED.format(table=table.name)), {
            "dimension": [r.dimension for r in emptied], "value": [r.value for r in emptied],
            "day": [r.day for r in emptied], "metric": [r.metric for r in emptied]})


_ARRAYS = ("unnest(CAST(:dimension AS text[]), CAST(:value AS text[]), CAST(:day AS date[]), "
           "CAST(:metric AS text[])")
_UPSERT = ("INSERT INTO {table} (dimension, value, day, metric, amount) "
           f"SELECT * FROM {_ARRAYS}, CAST(:amount AS numeric[])) "
           "ON CONFLICT (dimension, value, day, metric) DO UPDATE SET amount = {table}.amount + excluded.amount "
           "RETURNING dimension, value, day, metric, amount")
_DELETE_EMPTIED = ("DELETE FROM {table} WHERE amount = 0 AND (dimension, value, day, metric) IN "
                   f"(SELECT * FROM {_ARRAYS}))")


def _apply_in_python(session: Session, table, keys: list[RollupKey], change: Contributions) -> None:
    if not keys:
        return
    columns = _key_columns(table)
    existing = {
        (row.dimension, row.value, row.day, row.metric): row.amount
        for row in session.execute(select(table).where(tuple_(*columns).in_([_key_tuple(k) for k in keys])))
    }
    for key in keys:
        where = and_(*(column == value for column, value in zip(columns, _key_tuple(key), strict=True)))
        old = existing.get(_key_tuple(key))
        new = (old or Decimal(0)) + change[key]
        if old is None:
            session.execute(insert(table).values(dimension=key.dimension, value=key.value, day=key.day,
                                                 metric=key.metric, amount=new))
        elif new == 0:
            session.execute(delete(table).where(where))
        else:
            session.execute(update(table).where(where).values(amount=new))


def write_totals(session: Session, totals: Mapping[RollupKey, Decimal]) -> int:
    """Fill the emptied rollups from daily totals (the rebuild's last step)."""
    daily = {key: value for key, value in totals.items() if value != 0}
    _write(session, ROLLUP, daily)
    _write(session, MONTHLY, by_month(daily))
    return len(daily)


def _write(session: Session, table, totals: Mapping[RollupKey, Decimal], batch: int = 5000) -> None:
    if is_postgres(session):
        # COPY: half a million rows in seconds, where INSERTs would take minutes.
        cursor = session.connection().connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} (dimension, value, day, metric, amount) FROM STDIN") as copy:
            for key, value in totals.items():
                copy.write_row((key.dimension, key.value, key.day, key.metric, value))
        return
    rows = [{"dimension": k.dimension, "value": k.value, "day": k.day, "metric": k.metric, "amount": v}
            for k, v in totals.items()]
    for start in range(0, len(rows), batch):
        session.execute(insert(table), rows[start:start + batch])


def stored_totals(session: Session, *, monthly: bool = False) -> dict[RollupKey, Decimal]:
    """Every stored counter (for comparisons and tests)."""
    table = MONTHLY if monthly else ROLLUP
    return {RollupKey(row.day, row.metric, row.dimension, row.value): row.amount
            for row in session.execute(select(table))}


def _whole_months(start: date, end: date) -> tuple[list[tuple[date, date]], list[tuple[date, date]]]:
    """Split start..end into whole months and the loose days around them."""
    months, days = [], []
    first = start if start.day == 1 else month_of(start + timedelta(days=32 - start.day))
    cursor = first
    while True:
        following = month_of(cursor + timedelta(days=32))
        if following - timedelta(days=1) > end:
            break
        months.append((cursor, following - timedelta(days=1)))
        cursor = following
    if not months:
        return [], [(start, end)]
    if start < months[0][0]:
        days.append((start, months[0][0] - timedelta(days=1)))
    if months[-1][1] < end:
        days.append((months[-1][1] + timedelta(days=1), end))
    return months, days


def sum_counters(session: Session, start: date, end: date, *, dimension: str, value: str | None = None,
                 metrics: Iterable[str] | None = None, by: tuple[str, ...] = ("metric",)) -> dict[tuple, Decimal]:
    """Counters summed over the local days start..end (inclusive), grouped by
    the columns in `by` (any of value, day, metric). Whole months are read from
    the monthly rollup, loose days from the daily one."""
    if "day" in by:
        parts = [(ROLLUP, start, end)]
    else:
        months, days = _whole_months(start, end)
        parts = [(ROLLUP, first, last) for first, last in days]
        if months:
            parts.append((MONTHLY, months[0][0], months[-1][0]))
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for table, first, last in parts:
        for key, total in _sum(session, table, first, last, dimension, value, metrics, by).items():
            totals[key] += total
    return dict(totals)


def _sum(session: Session, table, start: date, end: date, dimension: str, value: str | None,
         metrics: Iterable[str] | None, by: tuple[str, ...]) -> dict[tuple, Decimal]:
    conditions = [table.c.dimension == dimension, table.c.day >= start, table.c.day <= end]
    if value is not None:
        conditions.append(table.c.value == value)
    if metrics is not None:
        conditions.append(table.c.metric.in_(sorted(set(metrics))))
    group = [table.c[name] for name in by]
    if is_postgres(session):
        query = select(*group, func.sum(table.c.amount)).where(*conditions).group_by(*group)
        return {tuple(row[:-1]): Decimal(row[-1]) for row in session.execute(query)}
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for row in session.execute(select(*group, table.c.amount).where(*conditions)):
        totals[tuple(row[:-1])] += row[-1]
    return dict(totals)


# -- the rep directory -------------------------------------------------------------------------------
def _seen(fact: Fact) -> str:
    return f"{fact.occurred_at.astimezone(timezone.utc).isoformat()}|{fact.fact_id}"


def write_rep_notes(session: Session, notes: dict[str, dict]) -> None:
    """Move each rep's directory row to its latest team and region seen (rows locked in rep order)."""
    if not notes:
        return
    query = select(RepDirectoryRow).where(RepDirectoryRow.rep_id.in_(sorted(notes))).order_by(RepDirectoryRow.rep_id)
    rows = {row.rep_id: row for row in session.scalars(query.with_for_update() if is_postgres(session) else query)}
    for rep in sorted(notes):
        row = rows.get(rep)
        if row is None:
            row = RepDirectoryRow(rep_id=rep)
            session.add(row)
        note = notes[rep]
        if "team" in note and (row.team_seen is None or note["team_seen"] > row.team_seen):
            row.team, row.team_seen = note["team"], note["team_seen"]
        if "region" in note and (row.region_seen is None or note["region_seen"] > row.region_seen):
            row.region, row.region_seen = note["region"], note["region_seen"]
    session.flush()


def directory(session: Session) -> dict[str, tuple[str | None, str | None]]:
    return {row.rep_id: (row.team, row.region) for row in session.execute(select(DIRECTORY))}


def reps_of(session: Session, *, team: str | None = None, region: str | None = None) -> set[str]:
    query = select(DIRECTORY.c.rep_id)
    if team is not None:
        query = query.where(DIRECTORY.c.team == team)
    if region is not None:
        query = query.where(DIRECTORY.c.region == region)
    return set(session.execute(query).scalars())


def teams_of_region(session: Session, region: str) -> set[str]:
    query = select(DIRECTORY.c.team).where(DIRECTORY.c.region == region, DIRECTORY.c.team.is_not(None)).distinct()
    return set(session.execute(query).scalars())


class People:
    """Who is in which team and region, from the rep directory (the access rules ask)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def reps_of(self, *, team: str | None = None, region: str | None = None) -> set[str]:
        return reps_of(self.session, team=team, region=region)

    def teams_of_region(self, region: str) -> set[str]:
        return teams_of_region(self.session, region)


def clear_projections(session: Session) -> None:
    """Empty the projections. On PostgreSQL a TRUNCATE (still transactional):
    refilling a table just emptied by DELETE checks every new key against the
    dead rows, several times slower; readers wait for the commit instead."""
    if is_postgres(session):
        session.execute(text(f"TRUNCATE {ROLLUP.name}, {MONTHLY.name}, {DIRECTORY.name}"))
        return
    for table in (ROLLUP, MONTHLY, DIRECTORY):
        session.execute(delete(table))


# -- reading: metrics for a period and a slice -------------------------------------------------------
# The read side: metrics for a period and a slice, from the rollups (additive
# figures) and from the log (sales cycle, pipeline, per-source and per-agent lists).
# -- counters ----------------------------------------------------------------------------------------
def counters(session: Session, period: Period, where: Slice, names=cm.COUNTER_METRICS) -> dict[str, Decimal]:
    sums = sum_counters(session, period.start, period.end, dimension=where.dimension, value=where.value,
                        metrics=cm.counters_needed(list(names)))
    return {metric: total for (metric,), total in sums.items()}


def counter_metrics(session: Session, current: Projection, period: Period, where: Slice,
                    names=cm.COUNTER_METRICS) -> dict[str, MetricValue]:
    return cm.metrics_from_counters(counters(session, period, where, names), current.currency, tuple(names))


# -- metrics from the log -------------------------------------------------------------------------------
def cycle_facts(session: Session, current: Projection, period: Period) -> list[Fact]:
    """What the sales cycle of the period's signings needs: the signings, every
    signing of those deals, the deals' facts naming a lead, the leads' captures."""
    start, end = period.utc_bounds()
    currency = current.currency
    signed = facts_of_types(session, [ft.CONTRACT_SIGNED], currency, start=start, before=end)
    deals = {fact.deal_id for fact in signed if fact.deal_id}
    related = facts_of_types(session, [ft.CONTRACT_SIGNED, *ft.DEAL_EVENTS], currency, column="deal_id", values=deals)
    leads = {fact.lead_id for fact in [*signed, *related] if fact.lead_id}
    captured = facts_of_types(session, [ft.LEAD_CAPTURED], currency, column="lead_id", values=leads)
    return list({fact.fact_id: fact for fact in [*signed, *related, *captured]}.values())


# The pipeline counters hold changes: the pipeline at the end of a day is the sum
# of every change up to that day (whole months from the monthly rollup).
BEGINNING = date(1970, 1, 1)


def pipeline_at_end(session: Session, current: Projection, period: Period, where: Slice) -> MetricValue:
    """The weighted pipeline of the deals open at the period's end, for the slice."""
    sums = sum_counters(session, BEGINNING, period.end, dimension=where.dimension, value=where.value,
                        metrics=dm.PIPELINE_COUNTERS)
    return dm.pipeline_value({metric: total for (metric,), total in sums.items()}, current.currency)


def pipeline_by(session: Session, current: Projection, period: Period, dimension: str) -> dict[str, MetricValue]:
    """The weighted pipeline at the period's end per value of a dimension."""
    sums = sum_counters(session, BEGINNING, period.end, dimension=dimension, metrics=dm.PIPELINE_COUNTERS,
                        by=("value", "metric"))
    per_value: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (value, metric), total in sums.items():
        per_value[value][metric] = total
    return {value: dm.pipeline_value(per_value[value], current.currency) for value in sorted(per_value)}


def fact_metrics(session: Session, current: Projection, period: Period, where: Slice,
                 names=cm.FACT_METRICS) -> dict[str, MetricValue]:
    values: dict[str, MetricValue] = {}
    if {"sales_cycle_median", "sales_cycle_p90"} & set(names):
        facts = cycle_facts(session, current, period)
        values["sales_cycle_median"] = dm.sales_cycle_median(facts, period, where.scope)
        values["sales_cycle_p90"] = dm.sales_cycle_p90(facts, period, where.scope)
    if "weighted_pipeline" in names:
        values["weighted_pipeline"] = pipeline_at_end(session, current, period, where)
    return {name: values[name] for name in names}


def metric_values(session: Session, current: Projection, period: Period, where: Slice,
                  names) -> dict[str, MetricValue]:
    names = list(names)
    by_counters = [name for name in names if name in cm.COUNTER_METRICS]
    from_facts = [name for name in names if name in cm.FACT_METRICS]
    values = counter_metrics(session, current, period, where, by_counters) if by_counters else {}
    if from_facts:
        values.update(fact_metrics(session, current, period, where, from_facts))
    return {name: values[name] for name in names}


def period_facts(session: Session, current: Projection, period: Period, event_type: str) -> list[Fact]:
    start, end = period.utc_bounds()
    return facts_of_types(session, [event_type], current.currency, start=start, before=end)


def credited_captures(session: Session, current: Projection, captures: list[Fact]) -> list[Fact]:
    """Captures with the rep, team and region of their lead's latest assignment (as the rollups count them)."""
    leads = {fact.lead_id for fact in captures if fact.lead_id}
    assignments = facts_of_types(session, [ft.LEAD_ASSIGNED], current.currency, column="lead_id", values=leads)
    return credited_to_owners([*captures, *assignments])


# -- the summary ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Growth:
    vs_previous: MetricValue
    vs_last_year: MetricValue
    previous_period: str
    last_year_period: str


@dataclass(frozen=True)
class Summary:
    period: Period
    where: Slice
    currency: str
    metrics: dict[str, MetricValue]
    growth: dict[str, Growth]
    leads_by_source: dict[str, MetricValue]
    violations_per_agent: dict[str, MetricValue]


def summary(session: Session, current: Projection, period: Period, where: Slice = EVERYONE) -> Summary:
    """Every metric of the period for the slice, with growth of the headline figures."""
    values = metric_values(session, current, period, where, [info.name for info in cm.CATALOG])
    before, year_ago = previous(period), same_period_last_year(period)
    previous_values = counter_metrics(session, current, before, where, cm.GROWTH_METRICS)
    last_year_values = counter_metrics(session, current, year_ago, where, cm.GROWTH_METRICS)
    growth = {name: Growth(dm.growth(values[name], previous_values[name]),
                           dm.growth(values[name], last_year_values[name]), before.label(), year_ago.label())
              for name in cm.GROWTH_METRICS}
    return Summary(period, where, current.currency, values, growth, leads_by_source(session, current, period, where),
                   violations_per_agent(session, current, period, where))


def leads_by_source(session: Session, current: Projection, period: Period, where: Slice) -> dict[str, MetricValue]:
    """Captures per source: from the rollups company-wide and for one source (a
    capture keeps its source whoever it is credited to); from the log otherwise."""
    if where.dimension not in ("all", "source"):
        leads = credited_captures(session, current, period_facts(session, current, period, ft.LEAD_CAPTURED))
        return dm.leads_by_source(leads, period, where.scope)
    return _counts_by(session, period, where, "source", ru.LEADS_CAPTURED, dm.UNKNOWN_SOURCE)


def violations_per_agent(session: Session, current: Projection, period: Period,
                         where: Slice) -> dict[str, MetricValue]:
    """Violations per agent: from the rollups company-wide and for one agent; from the log otherwise."""
    if where.dimension not in ("all", "rep"):
        return dm.violations_per_agent(period_facts(session, current, period, ft.QA_VIOLATION), period, where.scope)
    return _counts_by(session, period, where, "rep", ru.VIOLATIONS, dm.UNASSIGNED)


def _counts_by(session: Session, period: Period, where: Slice, dimension: str, counter: str,
               missing: str) -> dict[str, MetricValue]:
    """A counter per value of `dimension`, within a slice of no other dimension;
    what carries no value is counted under `missing` (all of it, less the named)."""
    named = {value: total for (value,), total in sum_counters(
        session, period.start, period.end, dimension=dimension, metrics=[counter], by=("value",)).items()}
    if where.dimension == dimension:
        named = {value: total for value, total in named.items() if value == where.value}
        counts = {value: int(total) for value, total in named.items() if total}
    else:
        whole = sum_counters(session, period.start, period.end, dimension="all", value="", metrics=[counter])
        counts = {value: int(total) for value, total in named.items() if total}
        rest = int(whole.get((counter,), 0)) - sum(counts.values())
        if rest:
            counts[missing] = counts.get(missing, 0) + rest
    return {value: count_value(counts[value]) for value in sorted(counts)}


# -- breakdowns and trends ------------------------------------------------------------------------------------
def breakdown(session: Session, current: Projection, period: Period, dimension: str, name: str,
              within: Slice = EVERYONE) -> dict[str, MetricValue]:
    """One metric per value of a dimension (counter metrics come straight from
    the dimension's rollup rows; log metrics from the facts)."""
    if name in cm.COUNTER_METRICS:
        sums = sum_counters(session, period.start, period.end, dimension=dimension,
                            metrics=cm.counters_needed([name]), by=("value", "metric"))
        per_value: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for (value, metric), total in sums.items():
            per_value[value][metric] = total
        return {value: cm.metric_from_counters(name, per_value[value], current.currency)
                for value in sorted(per_value)}
    if name == "weighted_pipeline":
        return pipeline_by(session, current, period, dimension)
    function = {"sales_cycle_median": dm.sales_cycle_median, "sales_cycle_p90": dm.sales_cycle_p90}[name]
    return dm.breakdown(function, cycle_facts(session, current, period), period, Dimension(dimension), within.scope)


def trend(session: Session, current: Projection, period: Period, every: str, where: Slice,
          name: str) -> list[tuple[Period, MetricValue]]:
    """The metric for each `every`-long sub-period of the period (for charts)."""
    parts = sub_periods(period, every)
    if name not in cm.COUNTER_METRICS:
        return [(part, metric_values(session, current, part, where, [name])[name]) for part in parts]
    sums = sum_counters(session, parts[0].start, parts[-1].end, dimension=where.dimension, value=where.value,
                        metrics=cm.counters_needed([name]), by=("day", "metric"))
    series = []
    for part in parts:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (day, metric), total in sums.items():
            if part.contains_date(day):
                totals[metric] += total
        series.append((part, cm.metric_from_counters(name, totals, current.currency)))
    return series
