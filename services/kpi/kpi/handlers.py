"""What the KPI service does with the events it consumes, and its sweeps.

Every event (routing key "#") goes into the fact log once — the inbox row and
the fact commit together — and the rollups move in the same transaction.
The types the metrics read are checked against the KPI service's own tolerant
reader schemas first; a malformed one is parked in the dead-letter queue with
the reason (PermanentFailure), never half-counted.
"""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import ValidationError
from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.processor import PermanentFailure
from salesloop.messaging.worker import Sweep

from kpi.commands.classification import classify_if_due
from kpi.commands.ingest import RecordEvent, record
from kpi.commands.reports import close_periods
from kpi.config import load_config
from kpi.readers import READERS, AnyEvent, UnreadableEvent, to_fact
from kpi.repository import REBUILD_LOCK, IngestBatch

# One reader instance per type: building a marshmallow schema costs more than a load.
_READERS = {event_type: reader() for event_type, reader in READERS.items()}


def check(event_type: str, data: dict) -> None:
    reader = _READERS.get(event_type)
    if reader is None:
        return
    try:
        reader.load(data)
    except ValidationError as exc:
        raise PermanentFailure(f"invalid {event_type} data: {exc.messages}") from exc


def record_event(config):
    def handle(event, uow) -> None:
        # The catch-all reader keeps no field: the log stores the data as received.
        data = event.envelope.data
        batch = uow.deferred("kpi.ingest", lambda: IngestBatch(uow.session))
        fact = batch.read.pop(event.id, None)  # read and checked by the batch's prepare step
        if fact is None:
            check(event.type, data)
        try:
            record(uow.session, config, RecordEvent(
                event.id, event.type, data, occurred_at=event.occurred_at, source=event.envelope.source,
                subject=event.subject, recorded_at=datetime.now(timezone.utc)), batch, fact=fact)
        except UnreadableEvent as exc:
            raise PermanentFailure(f"unreadable {event.type}: {exc}") from exc

    return handle


def prepare_batch(config):
    """Before a batch's handlers: take the locks and read the log for all its events at once."""
    def prepare(events, uow) -> None:
        batch = uow.deferred("kpi.ingest", lambda: IngestBatch(uow.session))
        batch.lock(REBUILD_LOCK, shared=True)  # first, as record() takes it
        currency = batch.projection(config).currency
        # Each event is read here once: its handler takes the fact from the batch.
        for event in events:
            try:
                check(event.type, event.envelope.data)
                batch.read[event.id] = to_fact(event.type, event.envelope.data, event_id=event.id,
                                               fallback_time=event.occurred_at, company_currency=currency)
            except Exception:  # not kept: its handler reads it again and refuses it with the reason
                continue
        batch.prefetch(list(batch.read.values()), currency)

    return prepare


def subscriptions(runtime) -> Subscriptions:
    config = load_config(runtime.settings)
    return Subscriptions().catch_all(AnyEvent, record_event(config), prepare=prepare_batch(config))


def sweeps(runtime) -> list:
    config = load_config(runtime.settings)
    return [
        Sweep("abc-classification", config.abc_sweep_seconds, lambda uow, now: classify_if_due(uow, config, now)),
        Sweep("period-reports", config.report_sweep_seconds, lambda uow, now: close_periods(uow, config, now)),
    ]
