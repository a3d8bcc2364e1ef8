"""Every service's dead letters over HTTP: list them (ops), replay or purge them (admin).

The same actions as ``salesloop-<service> dlq``, for the console and for an
operator without a shell on the service's host. Listing needs the ops role;
replay and purge the admin role, since a replay sends an event through the
service again and a purge destroys the only copy. An action names one letter,
one event id, or ``all`` explicitly — never all by omission.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validates_schema

from salesloop.web.audit import write_audit
from salesloop.web.auth import require_roles
from salesloop.web.blueprint import Blueprint
from salesloop.web.fields import Boolean, Id, PageArgs, PageOf
from salesloop.web.paging import list_page

if TYPE_CHECKING:
    from salesloop.messaging.deadletters import DeadLetterQueue, Result, Selection

blp = Blueprint("dead_letters", __name__, url_prefix="/admin/dead-letters",
                description="Messages the service could not handle, parked with the reason")


class BrokerDeathOut(Schema):
    reason = fields.String(allow_none=True)
    queue = fields.String(allow_none=True)
    count = fields.Integer(allow_none=True)


class DeadLetterOut(Schema):
    letter_id = fields.String(required=True)
    event_id = fields.String(allow_none=True)
    type = fields.String(allow_none=True)
    routing_key = fields.String()
    reason = fields.String(metadata={"description": "Why the message was parked"})
    parked_at = fields.String(allow_none=True)
    copies = fields.Integer(metadata={"description": "Times this one message was parked: a redelivery after "
                                                     "a lost acknowledgement parks it again; all go together"})
    broker_deaths = fields.List(fields.Nested(BrokerDeathOut))


class SelectionIn(Schema):
    letter_id = Id()
    event_id = Id()
    all = Boolean(metadata={"description": "true: every parked letter"})

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **_kwargs: Any) -> None:
        named = [name for name in ("letter_id", "event_id") if data.get(name)] + (["all"] if data.get("all") else [])
        if len(named) != 1:
            raise ValidationError("Name exactly one of letter_id, event_id or all.", "_schema")


class ActionOut(Schema):
    action = fields.String(required=True)
    count = fields.Integer(required=True)
    done = fields.List(fields.String(), metadata={"description": "The letter ids replayed or purged"})
    kept = fields.Dict(keys=fields.String(), values=fields.String(),
                       metadata={"description": "Letter id → why it stays parked"})


def _queue() -> DeadLetterQueue:
    from flask import current_app

    from salesloop.messaging.deadletters import DeadLetterQueue

    return DeadLetterQueue(current_app.extensions["salesloop"].runtime.bus)


def _selection(body: dict[str, Any]) -> Selection:
    from salesloop.messaging.deadletters import Selection

    return Selection(letter_id=body.get("letter_id"), event_id=body.get("event_id"), every=bool(body.get("all")))


def _answer(action: str, result: Result) -> dict[str, Any]:
    from flask import request

    write_audit(f"DEAD_LETTER_{action.upper()}", request.path, detail={"done": result.done, "kept": result.kept})
    return {"action": action, "count": result.count, "done": result.done, "kept": result.kept}


@blp.route("")
class DeadLetters(MethodView):
    @require_roles("ops")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, PageOf(DeadLetterOut))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The parked messages, oldest first, each with its letter id and the reason it was parked."""
        return list_page([letter.summary() for letter in _queue().list()], args)


@blp.route("/replay")
class Replay(MethodView):
    @require_roles("admin")
    @blp.arguments(SelectionIn)
    @blp.response(200, ActionOut)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send the chosen letters back to the service's queue as first arrivals."""
        return _answer("replay", _queue().replay(_selection(body)))


@blp.route("/purge")
class Purge(MethodView):
    @require_roles("admin")
    @blp.arguments(SelectionIn)
    @blp.response(200, ActionOut)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Delete the chosen letters for good."""
        return _answer("purge", _queue().purge(_selection(body)))
