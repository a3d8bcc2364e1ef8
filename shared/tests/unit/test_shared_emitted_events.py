"""Domain events emitted by a command reach the outbox at commit, translated by the catalog."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from marshmallow import Schema, fields
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.orm import Session

from salesloop.messaging.catalog import EventCatalog, Outgoing, UnknownEventType
from salesloop.messaging.tables import OUTBOX, add_messaging_tables
from salesloop.uow import UnitOfWork


@dataclass(frozen=True)
class Opened:
    deal_id: str


@dataclass(frozen=True)
class Noted:
    deal_id: str


class OpenedSchema(Schema):
    deal_id = fields.String(required=True)


def catalog() -> EventCatalog:
    events = EventCatalog("/salesloop/test")
    events.define("test.deal.opened", OpenedSchema, "a deal opened")

    @events.translates(Opened)
    def opened(event: Opened) -> Outgoing:
        return Outgoing("test.deal.opened", {"deal_id": event.deal_id}, subject=event.deal_id)

    @events.translates(Noted)
    def noted(_event: Noted) -> None:
        return None  # internal only: announced by no integration event

    return events


@pytest.fixture
def uow(tmp_path):
    metadata = MetaData()
    add_messaging_tables(metadata)
    engine = create_engine(f"sqlite:///{tmp_path / 'uow.sqlite3'}")
    metadata.create_all(engine)
    with Session(engine) as session:
        yield UnitOfWork(session, catalog(), metadata)


def outbox_types(uow) -> list[str]:
    outbox = uow.metadata.tables[OUTBOX]
    return list(uow.session.execute(select(outbox.c.event_type)).scalars())


def test_emitted_events_are_in_the_outbox_after_commit(uow):
    uow.emit(Opened("d-1"), Noted("d-1"))
    assert outbox_types(uow) == []
    uow.commit()
    assert outbox_types(uow) == ["test.deal.opened"]
    assert uow.published[0].subject == "d-1"


def test_rollback_forgets_emitted_events(uow):
    uow.emit(Opened("d-1"))
    uow.rollback()
    uow.commit()
    assert outbox_types(uow) == []


def test_an_event_without_translation_fails_the_commit(uow):
    uow.emit(object())
    with pytest.raises(UnknownEventType):
        uow.commit()
