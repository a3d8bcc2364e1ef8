"""/rules: the configurable grading, assignment, follow-up and calendar rules, versioned."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles

from leads import repository
from leads.commands.rulesets import activate_rules
from leads.api.common import not_found
from leads.schemas import RULE_KINDS, RulesIn, RulesOut

RULE_ADMINS = ("manager", "director", "admin")
# The rules steer grading and who gets which lead: for those who run the team and the system.
RULE_READERS = ("supervisor", *RULE_ADMINS, "ops")


def view(kind: str) -> dict:
    session = uow().session
    active = repository.load_rules(session)
    row = repository.latest(session, kind)
    return {"kind": kind, "version": active.version_of(kind), "config": repository.config_of(kind, active),
            "default": row is None, "activated_at": row.activated_at if row else None}


def _kind(kind: str) -> str:
    if kind not in RULE_KINDS:
        raise not_found("rule kind")
    return kind


def blueprint() -> Blueprint:
    blp = Blueprint("rules", __name__, url_prefix="/rules",
                    description="Grading, assignment, follow-up and business-calendar rules")

    @blp.route("")
    class AllRules(MethodView):
        @require_roles(*RULE_READERS)
        @blp.response(200, RulesOut(many=True))
        def get(self):
            """Every kind of rules in force, with its version."""
            return [view(kind) for kind in RULE_KINDS]

    @blp.route("/<kind>")
    class Rules(MethodView):
        @require_roles(*RULE_READERS)
        @blp.response(200, RulesOut)
        def get(self, kind):
            """The rules of one kind in force (grading, assignment, followup or calendar)."""
            return view(_kind(kind))

        @require_roles(*RULE_ADMINS)
        @blp.arguments(RulesIn)
        @blp.response(200, RulesOut)
        def put(self, data, kind):
            """Activate a version: a new one is stored; an old one re-activated if identical."""
            unit = uow()
            activate_rules(unit, _kind(kind), data["version"], data["config"], by=current_principal().user)
            unit.commit()
            return view(kind)

    return blp
