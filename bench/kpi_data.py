"""What the KPI benchmarks need from the KPI service: a fast loader for a large fact
log, and a month's figures by a plain SQL GROUP BY over the raw facts, to compare
with what the service answers.

    from kpi_data import bulk_load, monthly_summary_raw, synthetic_events
    runtime = Runtime(spec(), settings)               # DATABASE_URL → a migrated database
    bulk_load(runtime, synthetic_events(1_000_000))   # COPY on PostgreSQL, then one rebuild
    with runtime.database.session() as session:
        monthly_summary_raw(session, load_config(runtime.settings), "2026-06")

Benchmark code, kept out of the service package; nothing here runs at import time.
"""
from __future__ import annotations

import json
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from salesloop.messaging.tables import INBOX

from kpi.config import KpiConfig, load_config
from kpi.domain.periods import parse_period
from kpi.models import FactRow
from kpi.commands.rebuild import RebuildResult, rebuild
from kpi.readers import to_fact
from kpi.repository import FACTS, fact_values, projection

Event = tuple[str, str, dict, datetime]  # id, type, data, envelope time

COLUMNS = ["event_id", "event_type", "source", "subject", "occurred_at", "recorded_at", "rep_id", "team",
           "region", "customer_id", "lead_id", "deal_id", "order_id", "ticket_id", "currency", "amount",
           "fx_rate", "amount_company", "data"]


# -- a realistic stream of events ------------------------------------------------------------------------
def synthetic_events(count: int, *, seed: int = 7, first_day: date = date(2025, 1, 1), days: int = 730,
                     reps: int = 60, customers: int = 20_000, products: int = 40) -> Iterator[Event]:
    """`count` events of a plausible business: orders (some in USD), cancellations,
    leads, deals, contacts, surveys, complaints and QA flags, spread over `days`."""
    rng = random.Random(seed)
    teams = [f"team-{n}" for n in range(reps // 6 or 1)]
    regions = ["east", "west", "north", "south", "central"]
    staff = [{"rep_id": f"rep-{n:03d}", "team": teams[n % len(teams)], "region": regions[n % len(regions)]}
             for n in range(reps)]
    sources = ["web_form", "referral", "campaign", "social", "trade_show", "phone", "storefront", "import"]
    open_orders: list[tuple[str, dict]] = []
    start = datetime.combine(first_day, time(0), tzinfo=timezone.utc)
    for n in range(count):
        when = (start + timedelta(seconds=rng.randrange(days * 86400))).isoformat()
        who = rng.choice(staff)
        roll = rng.random()
        if roll < 0.40:
            event_type, data = _order(rng, n, who, customers, products, when)
            open_orders.append((data["order_id"], data))
        elif roll < 0.43 and open_orders:
            order_id, created = open_orders.pop(rng.randrange(len(open_orders)))
            event_type, data = "orders.order.cancelled", {**created, "status": "cancelled", "occurred_at": when}
        elif roll < 0.58:
            event_type, data = "leads.lead.captured", {"lead_id": f"L{n}", **who, "captured_at": when,
                                                       "source": rng.choice(sources), "product_lines": []}
        elif roll < 0.63:
            event_type, data = "leads.lead.converted", {"lead_id": f"L{n}", **who, "converted_at": when,
                                                        "source": rng.choice(sources), "customer_id": "C1",
                                                        "currency": "CNY", "fx_rate": "1"}
        elif roll < 0.73:
            kind = rng.choice(["opened", "won", "lost"])
            event_type = f"deals.deal.{kind}"
            data = {"deal_id": f"D{n % 50_000}", **who, "amount": f"{rng.randrange(1000, 90000)}.00",
                    "currency": "CNY", "fx_rate": "1", "probability": str(rng.choice([10, 30, 50, 70])),
                    f"{kind}_at": when}
        elif roll < 0.85:
            event_type, data = "leads.activity.logged", {"activity_id": f"A{n}", **who, "occurred_at": when,
                                                         "kind": rng.choice(["call", "email", "visit", "chat"])}
        elif roll < 0.91:
            event_type, data = "service.survey.answered", {"survey_id": f"S{n}", **who, "csat": rng.randint(1, 5),
                                                           "nps": rng.randint(0, 10), "answered_at": when}
        elif roll < 0.97:
            event_type, data = "service.ticket.opened", {"ticket_id": f"T{n}", "type": "complaint",
                                                         "agent_id": who["rep_id"], "team": who["team"],
                                                         "region": who["region"], "opened_at": when}
        else:
            event_type, data = "service.qa.violation", {"interaction_id": f"I{n}", "agent_id": who["rep_id"],
                                                        "team": who["team"], "region": who["region"],
                                                        "detected_at": when}
        yield str(uuid.UUID(int=rng.getrandbits(128))), event_type, data, datetime.fromisoformat(when)


def _order(rng: random.Random, n: int, who: dict, customers: int, products: int, when: str) -> tuple[str, dict]:
    foreign = rng.random() < 0.15
    currency, rate = ("USD", "7.1234") if foreign else ("CNY", "1")
    lines = []
    for _ in range(rng.randint(1, 3)):
        quantity = rng.randint(1, 20)
        price = Decimal(rng.randrange(1000, 500_000)) / 100
        cost = (price * Decimal("0.6")).quantize(Decimal("0.01")) if rng.random() < 0.8 else None
        lines.append({"product_code": f"P{rng.randrange(products):02d}", "quantity": str(quantity),
                      "unit_price": str(price), "unit_cost": None if cost is None else str(cost),
                      "amount": str(price * quantity)})
    total = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    return "orders.order.created", {"order_id": f"O{n}", "customer_id": f"C{rng.randrange(customers)}", **who,
                                    "currency": currency, "fx_rate": rate, "total_amount": str(total),
                                    "total_cost": None, "items": lines, "occurred_at": when}


# -- loading ---------------------------------------------------------------------------------------------------
def _rows(events: Iterable[Event], config: KpiConfig, recorded_at: datetime) -> Iterator[dict]:
    for event_id, event_type, data, at in events:
        fact = to_fact(event_type, data, event_id=event_id, fallback_time=at, company_currency=config.currency)
        yield fact_values(fact, event_id=event_id, event_type=event_type, source="/bench", subject=None,
                          data=data, recorded_at=recorded_at)


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_load(runtime, events: Iterable[Event], *, batch: int = 20_000, mark_inbox: bool = True,
              rebuild_after: bool = True) -> RebuildResult | int:
    """Append events to the fact log without the per-event path (COPY on
    PostgreSQL, multi-row INSERT elsewhere), each batch its own transaction,
    then compute every projection once with the rebuild. With `mark_inbox` the
    same events arriving later through the broker are recognised as duplicates."""
    config = load_config(runtime.settings)
    engine = runtime.database.engine
    now = datetime.now(timezone.utc)
    loaded = 0
    for rows in _batches(_rows(events, config, now), batch):
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                _copy(connection, rows, mark_inbox, now)
            else:
                connection.execute(insert(FACTS), rows)
                if mark_inbox:
                    connection.execute(insert(runtime.spec.metadata.tables[INBOX]), [
                        {"event_id": r["event_id"], "event_type": r["event_type"], "source": "/bench",
                         "processed_at": now} for r in rows])
        loaded += len(rows)
    _analyze(engine, "facts", "inbox")  # fresh statistics, or the planner guesses from an empty table
    if not rebuild_after:
        return loaded
    with runtime.database.session() as session:
        result = rebuild(session, config, now=now)
        session.commit()
    _analyze(engine, "rollup_daily", "rollup_monthly")
    return result


def _analyze(engine, *tables: str) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql(f"ANALYZE {', '.join(tables)}")


def _copy(connection, rows: list[dict], mark_inbox: bool, now: datetime) -> None:
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY facts ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c == "data" else row[c] for c in COLUMNS])
    if mark_inbox:
        with cursor.copy("COPY inbox (event_id, event_type, source, processed_at) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row["event_id"], row["event_type"], "/bench", now])


# -- the monthly summary, two ways ------------------------------------------------------------------------------
def monthly_summary_raw(session: Session, config: KpiConfig, month: str) -> dict:
    """The baseline: one GROUP BY over the raw facts of the month (counts and
    company-currency amounts per rep and event type), no projection."""
    current = projection(session, config)
    start, end = parse_period(month, current.tz).utc_bounds()
    query = (select(FactRow.rep_id, FactRow.event_type, func.count(), func.sum(FactRow.amount_company))
             .where(FactRow.occurred_at >= start, FactRow.occurred_at < end)
             .group_by(FactRow.rep_id, FactRow.event_type))
    result: dict = defaultdict(dict)
    for rep, event_type, count, amount in session.execute(query):
        result[rep or ""][event_type] = {"count": count, "amount": amount}
    return dict(result)
