"""A subscription's batch step runs once per batch, before its handlers and in their
transaction, with its events of the batch; a message handled alone runs no batch step,
and a batch step that fails sends the batch one by one like any batch failure."""
import itertools

from sqlalchemy import func, select

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.processor import EventProcessor, Outcome

from demo_service import NoteCreatedReader, _count_note, app_factory, beta_spec, count


NOTE_IDS = itertools.count(1)


def note():
    return {"note_id": next(NOTE_IDS), "text": "hello", "author": None}


def processor_with(harness, prepare):
    subscriptions = Subscriptions().add("demo.note.created", NoteCreatedReader, _count_note, prepare=prepare)
    return EventProcessor(subscriptions, harness.runtime.uow)


def test_the_batch_step_sees_the_batch_once_before_its_handlers(service_harness):
    beta = service_harness(beta_spec(), app_factory)
    calls = []

    def prepare(events, uow):
        tallies = uow.session.execute(select(func.count()).select_from(uow.metadata.tables["tallies"])).scalar()
        calls.append(([event.id for event in events], tallies))
        uow.deferred("demo.prepared", lambda: type("Nothing", (), {"flush": lambda self: None})())

    processor = processor_with(beta, prepare)
    envelopes = [beta.envelope("demo.note.created", note()) for _ in range(3)]
    batch = [processor.read(envelope.to_json(), "demo.note.created") for envelope in envelopes]

    assert processor.handle_batch(batch) == [Outcome.HANDLED] * 3
    assert calls == [([envelope.id for envelope in envelopes], 0)]  # once, with all three, before any effect
    assert count(beta.runtime, "tallies") == 3

    again = [processor.read(envelopes[0].to_json()), processor.read(beta.envelope("demo.note.created", note()).to_json())]
    assert processor.handle_batch(again) == [Outcome.DUPLICATE, Outcome.HANDLED]
    assert calls[-1][0] == [again[1].event.id]  # an inbox duplicate is not prepared for

    assert processor.process(beta.envelope("demo.note.created", note()).to_json()) is Outcome.HANDLED
    assert len(calls) == 2  # alone: no batch step


def test_a_failing_batch_step_commits_nothing_of_the_batch(service_harness):
    beta = service_harness(beta_spec(), app_factory)

    def prepare(events, uow):
        raise RuntimeError("the batch step failed")

    processor = processor_with(beta, prepare)
    batch = [processor.read(beta.envelope("demo.note.created", note()).to_json()) for _ in range(2)]
    try:
        processor.handle_batch(batch)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the batch should have failed")
    assert count(beta.runtime, "tallies") == 0
    assert all(processor.process(beta.envelope("demo.note.created", note()).to_json()) is Outcome.HANDLED
               for _ in batch)
    assert count(beta.runtime, "tallies") == 2
