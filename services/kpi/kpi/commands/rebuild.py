"""Drop the projections and rebuild them from the fact log.

The rebuild reads the log once per kind of entity — facts that stand alone,
then each order's facts together, then each ticket's, then each lead's — streaming rows rather
than loading the log, sums the counters in memory, and only then empties and
refills the projections, inside one transaction: readers see the old counters
or the new, never half of each. It takes the projections' lock exclusively,
so workers wait for it instead of adding to counters that are being replaced.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, not_, select
from sqlalchemy.orm import Session

from kpi.domain import projection as pj
from kpi.domain.facts import Fact
from kpi.models import RepDirectoryRow
from kpi.repository import (
    FACT_COLUMNS,
    FACTS,
    DEAL_TYPES,
    LEAD_TYPES,
    ORDER_TYPES,
    REBUILD_LOCK,
    TICKET_TYPES,
    Projection,
    clear_projections,
    lock,
    record_rebuild,
    row_to_fact,
    write_totals,
)

STREAM_BATCH = 5000


@dataclass(frozen=True)
class RebuildResult:
    facts: int  # facts read from the log
    unreadable: int  # stored facts the current translation could not read (left out)
    rows: int  # counters written
    reps: int  # entries in the rep directory
    seconds: float
    timezone: str
    currency: str


class _Directory:
    """The latest team and region per rep, as `repository.IngestBatch` keeps them."""

    def __init__(self) -> None:
        self.team: dict[str, tuple[str, str]] = {}
        self.region: dict[str, tuple[str, str]] = {}

    def note(self, fact: Fact) -> None:
        if not fact.rep:
            return
        seen = f"{fact.occurred_at.isoformat()}|{fact.fact_id}"
        for value, table in ((fact.team, self.team), (fact.region, self.region)):
            if value and (fact.rep not in table or seen > table[fact.rep][1]):
                table[fact.rep] = (value, seen)

    def rows(self) -> list[RepDirectoryRow]:
        reps = sorted(set(self.team) | set(self.region))
        return [RepDirectoryRow(rep_id=rep, team=self.team.get(rep, (None, None))[0],
                                team_seen=self.team.get(rep, (None, None))[1],
                                region=self.region.get(rep, (None, None))[0],
                                region_seen=self.region.get(rep, (None, None))[1]) for rep in reps]


class _Counters:
    def __init__(self) -> None:
        self.totals: dict = defaultdict(Decimal)
        self.read = 0
        self.unreadable = 0

    def add(self, contributions) -> None:
        for key, value in contributions.items():
            self.totals[key] += value


def rebuild(session: Session, config, *, now: datetime) -> RebuildResult:
    """Replace the rollups and the rep directory with what the log implies, in
    the configured timezone and currency (which become the projections' own)."""
    started = time.monotonic()
    lock(session, REBUILD_LOCK)
    target = Projection(config.timezone, config.currency)
    counters, directory = _Counters(), _Directory()
    for fact in _stream(session, _standalone(), target, counters):
        directory.note(fact)
        counters.add(pj.fact_contributions(fact, target.tz))
    firsts: dict[str, Fact] = {}
    for order in _groups(session, FACTS.c.order_id, ORDER_TYPES, target, counters):
        for fact in order:
            directory.note(fact)
        counters.add(pj.order_entity_contributions(order, target.tz, target.currency))
        for customer, first in pj.earliest_first_orders([order]).items():
            known = firsts.get(customer)
            if known is None or (first.occurred_at, first.fact_id) < (known.occurred_at, known.fact_id):
                firsts[customer] = first
    counters.add(pj.customer_contributions(list(firsts.values()), target.tz))
    for ticket in _groups(session, FACTS.c.ticket_id, TICKET_TYPES, target, counters):
        for fact in ticket:
            directory.note(fact)
        counters.add(pj.ticket_contributions(ticket, target.tz))
    for lead in _groups(session, FACTS.c.lead_id, LEAD_TYPES, target, counters):
        for fact in lead:
            directory.note(fact)
        counters.add(pj.lead_contributions(lead, target.tz))
    for deal in _groups(session, FACTS.c.deal_id, DEAL_TYPES, target, counters):
        for fact in deal:
            directory.note(fact)
        counters.add(pj.deal_contributions(deal, target.tz, target.currency))
    clear_projections(session)  # only now: readers keep the old figures while the new are computed
    rows = write_totals(session, counters.totals)
    reps = directory.rows()
    session.add_all(reps)
    record_rebuild(session, config, now, counters.read)
    return RebuildResult(counters.read, counters.unreadable, rows, len(reps),
                         round(time.monotonic() - started, 3), target.timezone, target.currency)


def _standalone():
    in_order = and_(FACTS.c.event_type.in_(ORDER_TYPES), FACTS.c.order_id.is_not(None))
    in_ticket = and_(FACTS.c.event_type.in_(TICKET_TYPES), FACTS.c.ticket_id.is_not(None))
    in_lead = and_(FACTS.c.event_type.in_(LEAD_TYPES), FACTS.c.lead_id.is_not(None))
    in_deal = and_(FACTS.c.event_type.in_(DEAL_TYPES), FACTS.c.deal_id.is_not(None))
    return (select(*FACT_COLUMNS).where(not_(in_order), not_(in_ticket), not_(in_lead), not_(in_deal))
            .order_by(FACTS.c.id))


def _stream(session: Session, query, target: Projection, counters: _Counters) -> Iterator[Fact]:
    result = session.execute(query, execution_options={"yield_per": STREAM_BATCH})
    for row in result:
        counters.read += 1
        fact = row_to_fact(row, target.currency)
        if fact is None:
            counters.unreadable += 1
            continue
        yield fact


def _groups(session: Session, column, types: list[str], target: Projection,
            counters: _Counters) -> Iterator[list[Fact]]:
    """The facts of one entity at a time (rows come sorted by the entity's id)."""
    query = (select(*FACT_COLUMNS, column.label("entity"))
             .where(FACTS.c.event_type.in_(types), column.is_not(None))
             .order_by(column, FACTS.c.id))
    current, group = None, []
    result = session.execute(query, execution_options={"yield_per": STREAM_BATCH})
    for row in result:
        counters.read += 1
        if row.entity != current and group:
            yield group
            group = []
        current = row.entity
        fact = row_to_fact(row, target.currency)
        if fact is None:
            counters.unreadable += 1
        else:
            group.append(fact)
    if group:
        yield group


@dataclass(frozen=True)
class RebuildProjections:
    at: datetime


def rebuild_projections(uow, config, command: RebuildProjections) -> RebuildResult:
    """The rebuild in the caller's unit of work, committed: readers see the new counters at once."""
    result = rebuild(uow.session, config, now=command.at)
    uow.commit()
    return result
