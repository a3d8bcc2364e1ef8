"""/sla-policies: the policy book in force (versioned) and the business calendar."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles

from service_desk.commands import sla
from service_desk.api.common import POLICY_OWNERS, committed, desk
from service_desk.schemas import PolicyBookIn, PolicyBookOut


def _book_view(version: int, book) -> dict:
    return {"version": version, **book.to_dict(), "calendar": desk().calendar.to_dict()}


def blueprint() -> Blueprint:
    blp = Blueprint("sla_policies", __name__, url_prefix="/sla-policies",
                    description="First-response and resolution targets per ticket type and priority.")

    @blp.route("")
    class Policies(MethodView):
        @blp.response(200, PolicyBookOut)
        def get(self):
            """The policy book new tickets are opened under, and the calendar the clocks run on."""
            return _book_view(*committed(sla.current_policies(uow(), desk())))

        @require_roles(*POLICY_OWNERS)
        @blp.arguments(PolicyBookIn)
        @blp.response(200, PolicyBookOut)
        def put(self, data):
            """Publish a new version (every type and priority); open tickets keep theirs."""
            return _book_view(*committed(sla.replace_policies(uow(), desk(), current_principal(), data)))

    return blp
