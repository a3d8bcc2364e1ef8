"""/interactions: agents' calls and chats, checked against the compliance rules."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.fields import PageOf, page_of
from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles

from service_desk import repository
from service_desk.commands import interactions
from service_desk.commands.common import visible_row
from service_desk.models import InteractionRow
from service_desk.schemas import shown_interaction
from service_desk.api.common import AGENTS, committed, desk
from service_desk.schemas import InteractionIn, InteractionOut, InteractionQuery


def blueprint() -> Blueprint:
    blp = Blueprint("interactions", __name__, url_prefix="/interactions",
                    description="Calls and chats: content or transcript, recording and its retention, QA hits.")

    @blp.route("")
    class Interactions(MethodView):
        @blp.arguments(InteractionQuery, location="query")
        @blp.response(200, PageOf(InteractionOut))
        def get(self, args):
            """Interactions the caller may see (an agent's own, a supervisor's team…)."""
            principal = current_principal()
            rows, total = repository.interactions(uow(), principal, args, args["page"], args["page_size"])
            return page_of([shown_interaction(row, principal) for row in rows], args, total)

        @require_roles(*AGENTS)
        @blp.arguments(InteractionIn)
        @blp.response(201, InteractionOut)
        def post(self, data):
            """Log a call or chat; every active compliance rule is applied to its content."""
            principal = current_principal()
            return shown_interaction(committed(interactions.log_interaction(uow(), desk(), principal, data)), principal)

    @blp.route("/<interaction_id>")
    class InteractionById(MethodView):
        @blp.response(200, InteractionOut)
        def get(self, interaction_id):
            """One interaction with its compliance hits."""
            principal = current_principal()
            return shown_interaction(visible_row(uow(), principal, InteractionRow, interaction_id, "interaction"),
                                     principal)

    return blp
