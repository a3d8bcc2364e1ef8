"""Two tiny services used to test the shared machinery end to end.

``alpha`` takes notes over HTTP and publishes demo.note.created; ``beta``
consumes it, counts it (a row per note) and publishes demo.note.counted.
A note's text steers beta's handler: "fail:N" fails the first N attempts,
"fail:always" always fails.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from salesloop.messaging.catalog import EventCatalog, Subscriptions
from salesloop.service import ServiceSpec
from salesloop.web.app import create_service_app, uow
from salesloop.web.auth import current_principal


def _metadata():
    from salesloop.messaging.tables import add_messaging_tables

    metadata = MetaData()
    add_messaging_tables(metadata)
    Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(200), nullable=False),
          Column("author", String(50)), Column("amount", String(30)))
    Table("tallies", metadata, Column("note_id", Integer, primary_key=True), Column("text", String(200)))
    Table("attempts", metadata, Column("note_id", Integer, primary_key=True), Column("count", Integer))
    return metadata


class NoteIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=200))
    amount = fields.Decimal(as_string=True, load_default=None)


class NoteQuery(Schema):
    author = fields.String()


class NotePatch(Schema):
    text = fields.String(validate=validate.Length(min=1, max=200))


class NoteCreated(Schema):
    note_id = fields.Integer(required=True)
    text = fields.String(required=True)
    author = fields.String(allow_none=True)


class NoteCreatedReader(Schema):
    note_id = fields.Integer(required=True)
    text = fields.String(required=True)


def _blueprints():
    blp = Blueprint("notes", __name__, url_prefix="/notes")

    @blp.route("")
    class Notes(MethodView):
        @blp.arguments(NoteQuery, location="query")
        @blp.response(200)
        def get(self, query):
            notes = uow().metadata.tables["notes"]
            chosen = select(notes.c.id, notes.c.text)
            if "author" in query:
                chosen = chosen.where(notes.c.author == query["author"])
            return [dict(row) for row in uow().session.execute(chosen).mappings()]

        @blp.arguments(NoteIn)
        @blp.response(201)
        def post(self, note):
            unit = uow()
            tables = unit.metadata.tables
            author = current_principal().user
            note_id = unit.session.execute(
                insert(tables["notes"]).values(text=note["text"], author=author,
                                               amount=str(note["amount"]) if note.get("amount") is not None else None)
            ).inserted_primary_key[0]
            unit.publish("demo.note.created", {"note_id": note_id, "text": note["text"], "author": author},
                         subject=str(note_id))
            unit.commit()
            return {"id": note_id}

    @blp.route("/<int:note_id>")
    class Note(MethodView):
        @blp.arguments(NotePatch)
        @blp.response(200)
        def patch(self, changes, note_id):
            unit = uow()
            notes = unit.metadata.tables["notes"]
            unit.session.execute(notes.update().where(notes.c.id == note_id).values(**changes))
            unit.commit()
            return {"id": note_id}

    return [blp]


def _count_note(event, unit):
    tables = unit.metadata.tables
    text = event.data["text"]
    if text.startswith("fail:"):
        # Failure counters live outside the rolled-back transaction: a separate one.
        _fail_if_needed(unit, event.data["note_id"], text.split(":", 1)[1])
    unit.session.execute(insert(tables["tallies"]).values(note_id=event.data["note_id"], text=text))
    unit.publish("demo.note.counted", {"note_id": event.data["note_id"], "text": text, "author": None})


def _fail_if_needed(unit, note_id, spec):
    engine = unit.session.get_bind()
    attempts = unit.metadata.tables["attempts"]
    with engine.begin() as connection:
        seen = connection.execute(select(attempts.c.count).where(attempts.c.note_id == note_id)).scalar()
        if seen is None:
            connection.execute(insert(attempts).values(note_id=note_id, count=1))
        else:
            connection.execute(attempts.update().where(attempts.c.note_id == note_id).values(count=seen + 1))
    if spec == "always" or (seen or 0) < int(spec):
        raise RuntimeError(f"planned failure for note {note_id}")


def _alpha_catalog():
    catalog = EventCatalog("/salesloop/alpha")
    catalog.define("demo.note.created", NoteCreated, "A note was taken.")
    return catalog


def _beta_catalog():
    catalog = EventCatalog("/salesloop/beta")
    catalog.define("demo.note.counted", NoteCreated, "A note was counted.")
    return catalog


def alpha_spec() -> ServiceSpec:
    return ServiceSpec(name="alpha", package="alpha", title="Alpha", metadata=_metadata(),
                       catalog=_alpha_catalog, blueprints=_blueprints)


def beta_spec() -> ServiceSpec:
    return ServiceSpec(
        name="beta", package="beta", title="Beta", metadata=_metadata(), catalog=_beta_catalog,
        blueprints=lambda: [],
        subscriptions=lambda runtime: Subscriptions().add("demo.note.created", NoteCreatedReader, _count_note),
    )


def app_factory(runtime):
    spec = runtime.spec
    return create_service_app(runtime, spec.blueprints(), title=spec.title)


def count(runtime, table: str) -> int:
    with runtime.database.session() as session:
        return session.execute(select(func.count()).select_from(runtime.spec.metadata.tables[table])).scalar()
