"""Every event into the fact log, once, with the rollups moved in the same transaction."""
import random
from collections import Counter
from datetime import date, datetime, timezone
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from salesloop.messaging.processor import Outcome, PermanentFailure

from kpi.config import load_config
from kpi.domain import projection as pj
from kpi.domain.rollup import REVENUE, RollupKey
from kpi.models import FactRow, RepDirectoryRow, RollupRow
from kpi.repository import row_to_fact, stored_totals
from kpi.readers import to_fact
from kpi_client import SHANGHAI, dataset, deliver_all, order, item, R1, R2


def facts_of(events):
    return [to_fact(t, d, event_id=i, fallback_time=datetime.now(timezone.utc), company_currency="CNY")
            for i, t, d in events]


def count(harness, model):
    with harness.runtime.database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar()


def totals(harness, monthly=False):
    with harness.runtime.database.session() as session:
        return stored_totals(session, monthly=monthly)


def test_the_stored_rollup_equals_a_recomputation_of_the_log(loaded):
    assert totals(loaded) == pj.recompute_all(facts_of(dataset()), SHANGHAI, "CNY")
    assert count(loaded, FactRow) == len(dataset())


@pytest.mark.parametrize("seed", [3, 11])
def test_events_in_any_order_give_the_same_counters(kpi, seed):
    shuffled = dataset()
    random.Random(seed).shuffle(shuffled)
    deliver_all(kpi, shuffled)
    expected = pj.recompute_all(facts_of(dataset()), SHANGHAI, "CNY")
    assert totals(kpi) == expected
    monthly = totals(kpi, monthly=True)
    assert monthly[RollupKey(date(2026, 11, 1), REVENUE, "all", "")] == D("34423.40")
    assert monthly[RollupKey(date(2026, 12, 1), REVENUE, "rep", "r2")] == D("-5000.00")


@pytest.mark.parametrize("size", [5, 1000])
def test_events_handled_in_batches_give_the_counters_of_one_by_one(kpi, size):
    """A batch inserts its facts at its commit; each event still sees the earlier ones of
    its batch (the same order's, ticket's, lead's and customer's)."""
    shuffled = dataset()
    random.Random(5).shuffle(shuffled)
    processor = kpi.runtime.processor()
    for start in range(0, len(shuffled), size):
        batch = [processor.read(kpi.envelope(event_type, data, event_id=event_id).to_json())
                 for event_id, event_type, data in shuffled[start:start + size]]
        assert set(processor.handle_batch(batch)) == {Outcome.HANDLED}
    assert totals(kpi) == pj.recompute_all(facts_of(dataset()), SHANGHAI, "CNY")
    assert count(kpi, FactRow) == len(dataset())


def test_the_same_event_twice_counts_once(kpi):
    event_id, event_type, data = dataset()[3]  # O1 created, 10 000.00
    assert kpi.deliver(event_type, data, event_id=event_id).value == "handled"
    assert kpi.deliver(event_type, data, event_id=event_id).value == "duplicate"
    assert count(kpi, FactRow) == 1
    assert totals(kpi)[RollupKey(date(2026, 11, 3), REVENUE, "all", "")] == D("10000.00")


def test_a_repeated_creation_under_a_new_id_is_logged_but_not_counted_twice(kpi):
    _, event_type, data = dataset()[3]
    kpi.deliver(event_type, data, event_id="first")
    kpi.deliver(event_type, data, event_id="producer-retry")
    assert count(kpi, FactRow) == 2
    assert totals(kpi)[RollupKey(date(2026, 11, 3), REVENUE, "all", "")] == D("10000.00")


def test_a_late_event_updates_its_own_earlier_period(kpi):
    kpi.deliver(*order("created", "2026-11-20 10:00", "N1", "C9", R1, [item("P1", "100.00", None)]))
    kpi.deliver(*order("created", "2026-10-03 10:00", "LATE", "C9", R1, [item("P1", "40.00", None)]))
    stored = totals(kpi)
    assert stored[RollupKey(date(2026, 10, 3), REVENUE, "all", "")] == D("40.00")
    # C9's first order is now the October one: November has no new customer any more.
    assert RollupKey(date(2026, 11, 20), "new_customers", "all", "") not in stored
    assert stored[RollupKey(date(2026, 10, 3), "new_customers", "all", "")] == D(1)


def test_a_cancellation_before_its_creation_settles_once_both_are_in(kpi):
    cancel = order("cancelled", "2026-11-05 09:00", "O5", "C4", R1, [item("P1", "3000.00", "1000.00")])
    created = order("created", "2026-10-20 10:00", "O5", "C4", R1, [item("P1", "3000.00", "1000.00")])
    kpi.deliver(*cancel)
    kpi.deliver(*created)
    stored = totals(kpi)
    assert stored[RollupKey(date(2026, 10, 20), REVENUE, "all", "")] == D("3000.00")
    assert stored[RollupKey(date(2026, 11, 5), REVENUE, "all", "")] == D("-3000.00")
    assert RollupKey(date(2026, 10, 20), "new_customers", "all", "") not in stored


def test_an_event_nobody_measures_still_goes_into_the_log(kpi):
    kpi.deliver("leads.lead.assigned", {"lead_id": "L1", "rep_id": "r7", "team": "t9", "region": "north",
                                        "assigned_at": "2026-11-02T01:00:00+00:00"}, event_id="assign-1")
    assert count(kpi, FactRow) == 1 and count(kpi, RollupRow) == 0
    with kpi.runtime.database.session() as session:
        row = session.execute(select(FactRow)).scalar_one()
        assert (row.event_id, row.rep_id, row.data["lead_id"]) == ("assign-1", "r7", "L1")
        assert session.get(RepDirectoryRow, "r7").team == "t9"


def test_the_log_keeps_the_data_as_received_and_the_lookup_columns(kpi):
    event_type, data = order("created", "2026-11-10 09:00", "O2", "C2", R1, [item("P2", "1000.00", "500.00")],
                             "USD", "7.1234")
    data["unknown_future_field"] = {"x": 1}
    kpi.deliver(event_type, data, event_id="o2", source="/salesloop/orders", subject="O2")
    with kpi.runtime.database.session() as session:
        row = session.execute(select(FactRow)).scalar_one()
        assert row.data == data
        assert (row.order_id, row.customer_id, row.currency, row.source, row.subject) == (
            "O2", "C2", "USD", "/salesloop/orders", "O2")
        assert (row.amount, row.fx_rate, row.amount_company) == (D("1000.0000"), D("7.1234000000"), D("7123.4000"))
        assert row.occurred_at == datetime(2026, 11, 10, 1, 0, tzinfo=timezone.utc)
        assert row_to_fact(row, "CNY") == to_fact(event_type, data, event_id="o2", fallback_time=row.occurred_at,
                                                  company_currency="CNY")


def test_the_rep_directory_keeps_the_latest_team_whatever_the_arrival_order(kpi):
    moved = {"rep_id": "r1", "team": "t5", "region": "south"}
    kpi.deliver(*order("created", "2026-11-20 10:00", "A", "C1", moved, [item("P1", "1.00", None)]))
    kpi.deliver(*order("created", "2026-11-01 10:00", "B", "C1", R1, [item("P1", "1.00", None)]))
    with kpi.runtime.database.session() as session:
        row = session.get(RepDirectoryRow, "r1")
        assert (row.team, row.region) == ("t5", "south")


@pytest.mark.parametrize("event_type, data, reason", [
    ("orders.order.created", {"customer_id": "C1", "currency": "CNY"}, "order_id"),
    ("orders.order.created", {"order_id": "O1", "currency": "CNY", "total_amount": "abc"}, "total_amount"),
    ("service.survey.answered", {"survey_id": "S1", "csat": 9}, "csat"),
    ("deals.deal.opened", {"deal_id": "D1", "probability": "140"}, "probability"),
    ("orders.order.created", {"order_id": "O1", "currency": "USD", "total_amount": "5.00"}, "needs fx_rate"),
    ("orders.order.created", {"order_id": "O1", "currency": "CNY", "total_amount": "5.00",
                              "items": [{"product_code": "P", "quantity": "1", "amount": "4.00"}]}, "lines add up"),
])
def test_a_malformed_event_is_refused_for_the_dead_letter_queue_and_nothing_is_written(kpi, event_type, data,
                                                                                          reason):
    with pytest.raises(PermanentFailure, match=reason):
        kpi.deliver(event_type, data)
    assert count(kpi, FactRow) == 0 and count(kpi, RollupRow) == 0


def test_the_projections_keep_the_calendar_they_were_built_in(make_kpi):
    harness = make_kpi(company_timezone="UTC")
    assert load_config(harness.settings).timezone == "UTC"
    harness.deliver(*order("created", "2026-12-01 00:30", "O6", "C5", R2, [item("P3", "800.00", None)]))
    # 00:30 in Shanghai is 16:30 UTC the day before: a UTC company books it on 30 November.
    assert totals(harness) == {
        **{RollupKey(date(2026, 11, 30), metric, dim, value): amount
           for metric, amount in (("revenue", D("800.00")), ("orders", D(1)), ("new_customers", D(1)))
           for dim, value in (("all", ""), ("rep", "r2"), ("team", "t1"), ("region", "west"), ("product", "P3"))},
        RollupKey(date(2026, 11, 30), "revenue", "customer", "C5"): D("800.00"),
    }


def test_each_event_of_a_batch_is_read_and_checked_once(kpi, monkeypatch):
    """The batch's prepare step reads every event into its fact; the handlers take it
    from there instead of loading the event with its reader and parsing it again."""
    import kpi.commands.ingest as ingest
    import kpi.handlers as handlers

    reads, checks = Counter(), Counter()
    counted_to_fact = handlers.to_fact

    def to_fact_counted(event_type, data, **kwargs):
        reads[kwargs["event_id"]] += 1
        return counted_to_fact(event_type, data, **kwargs)

    def check_counted(event_type, data, _check=handlers.check):
        checks[event_type] += 1
        _check(event_type, data)

    monkeypatch.setattr(handlers, "to_fact", to_fact_counted)
    monkeypatch.setattr(ingest, "to_fact", to_fact_counted)
    monkeypatch.setattr(handlers, "check", check_counted)
    processor = kpi.runtime.processor()
    events = dataset()
    batch = [processor.read(kpi.envelope(event_type, data, event_id=event_id).to_json())
             for event_id, event_type, data in events]
    assert set(processor.handle_batch(batch)) == {Outcome.HANDLED}
    assert reads == Counter({event_id: 1 for event_id, _, _ in events})
    assert sum(checks.values()) == len(events)
    assert totals(kpi) == pj.recompute_all(facts_of(events), SHANGHAI, "CNY")


def test_a_malformed_event_in_a_batch_fails_the_batch_with_its_reason_and_writes_nothing(kpi):
    """Read ahead by the batch, it is not taken for read: its own handler refuses it, so
    the worker can go one by one and park it alone."""
    processor = kpi.runtime.processor()
    good = dataset()[:3]
    batch = [processor.read(kpi.envelope(event_type, data, event_id=event_id).to_json())
             for event_id, event_type, data in good]
    batch.insert(1, processor.read(kpi.envelope("service.survey.answered", {"survey_id": "S1", "csat": 9},
                                                event_id="bad").to_json()))
    with pytest.raises(PermanentFailure, match="csat"):
        processor.handle_batch(batch)
    assert count(kpi, FactRow) == 0 and count(kpi, RollupRow) == 0
