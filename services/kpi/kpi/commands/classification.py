"""Customer ABC classification: daily, from trailing revenue; a change is published."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from kpi.domain.abc import AbcClass, ClassChange, CustomerClassified, reclassify
from kpi.domain.money import quantize_money
from kpi.domain.periods import trailing_months
from kpi.domain.projection import CUSTOMER
from kpi.domain.rollup import REVENUE
from kpi.models import CustomerClassRow, JobRunRow
from kpi.repository import projection, sum_counters

JOB = "abc-classification"


def trailing_revenue(session, current, as_of: date, months: int) -> dict:
    window = trailing_months(as_of, months, current.tz)
    sums = sum_counters(session, window.start, window.end, dimension=CUSTOMER, metrics=[REVENUE], by=("value",))
    return {customer: quantize_money(total) for (customer,), total in sums.items()}


def classify(uow, config, as_of: date, now: datetime) -> list[ClassChange]:
    """Class every customer with revenue in the window (and everyone classed
    before: without revenue now, they become C); the changes are emitted, announced at commit."""
    session = uow.session
    current = projection(session, config)
    revenue = trailing_revenue(session, current, as_of, config.abc_months)
    rows = {row.customer_id: row for row in session.execute(select(CustomerClassRow)).scalars()}
    previous = {customer: AbcClass(row.abc_class) for customer, row in rows.items()}
    classes, changes = reclassify(revenue, previous, config.abc_thresholds)
    changed = {change.customer_id: change for change in changes}
    for customer, abc_class in classes.items():
        row = rows.get(customer) or CustomerClassRow(customer_id=customer, changed_at=now)
        if customer not in rows:
            session.add(row)
        row.trailing_revenue, row.as_of, row.checked_at = revenue.get(customer, quantize_money(Decimal(0))), as_of, now
        if customer in changed:
            row.previous_class, row.abc_class, row.changed_at = row.abc_class, abc_class.value, now
            uow.emit(_classified(config, current, row))
    session.flush()
    return changes


def _classified(config, current, row: CustomerClassRow) -> CustomerClassified:
    return CustomerClassified(
        customer_id=row.customer_id, abc_class=AbcClass(row.abc_class),
        previous_class=AbcClass(row.previous_class) if row.previous_class else None,
        trailing_revenue=row.trailing_revenue, currency=current.currency, as_of=row.as_of,
        thresholds=config.abc_thresholds, months=config.abc_months)


def classify_if_due(uow, config, now: datetime) -> list[ClassChange] | None:
    """The daily run (the worker asks often; it runs once per local day, on the
    trailing window that ends yesterday — the last complete day)."""
    session = uow.session
    current = projection(session, config)
    as_of = now.astimezone(current.tz).date() - timedelta(days=1)
    if session.get(JobRunRow, (JOB, as_of.isoformat())) is not None:
        return None
    changes = classify(uow, config, as_of, now)
    session.add(JobRunRow(job=JOB, run_key=as_of.isoformat(), ran_at=now, detail={"changes": len(changes)}))
    session.flush()
    return changes


@dataclass(frozen=True)
class ClassifyCustomers:
    as_of: date | None  # None: yesterday, in the company calendar
    at: datetime


def classify_now(uow, config, command: ClassifyCustomers) -> tuple[date, list[ClassChange]]:
    """Run the classification outside the daily schedule, committed with its announcements."""
    as_of = command.as_of or command.at.astimezone(projection(uow.session, config).tz).date() - timedelta(days=1)
    changes = classify(uow, config, as_of, command.at)
    uow.commit()
    return as_of, changes
