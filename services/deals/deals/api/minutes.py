"""/deals/{id}/minutes: negotiation minutes."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.auth import require_roles

from deals.api.common import SALES_ROLES, config, current_principal, saved, uow
from deals.commands import minutes as commands
from deals.schemas import minutes_view
from deals.schemas import MinutesIn, MinutesOut


def blueprint() -> Blueprint:
    blp = Blueprint("minutes", __name__, url_prefix="/deals",
                    description="Negotiation minutes: agreed, open, next steps, attendees")

    @blp.route("/<deal_id>/minutes")
    class Minutes(MethodView):
        @blp.response(200, MinutesOut(many=True))
        def get(self, deal_id):
            """The deal's minutes, latest meeting first."""
            return [minutes_view(row) for row in commands.list_minutes(uow(), current_principal(), deal_id)]

        @require_roles(*SALES_ROLES)
        @blp.arguments(MinutesIn)
        @blp.response(201, MinutesOut)
        def post(self, data, deal_id):
            """Record a meeting that took place; minutes are never edited, a correction is new minutes."""
            row = commands.record_minutes(uow(), config(), current_principal(), deal_id, data)
            return saved(minutes_view(row))

    return blp
