"""/reps: the people leads are assigned to, with skills, capacity and current load."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from sqlalchemy import select

from salesloop.web.app import uow
from salesloop.web.auth import Principal, current_principal, require_roles
from salesloop.web.errors import Problem

from leads import schemas
from leads.commands import reps
from leads.models import Rep
from leads.repository import rep_loads
from leads.api.common import SUPERVISORS, not_found, page_of, team_scoped
from leads.schemas import RepIn, RepListArgs, RepOut, RepPage, RepPatch

REP_ADMINS = (*SUPERVISORS, "ops")


def present(rep: Rep) -> dict:
    return schemas.rep_view(rep, rep_loads(uow().session, [rep.id]).get(rep.id, 0))


def _check_team(principal: Principal, team: str | None) -> None:
    if team_scoped(principal) and team != principal.team:
        raise Problem(403, "Forbidden", "A supervisor manages the reps of their own team.", kind="forbidden")


def visible_rep(rep_id: str) -> Rep:
    rep, principal = uow().session.get(Rep, rep_id), current_principal()
    if rep is None or not (rep.id == principal.user or principal.has(*REP_ADMINS)):
        raise not_found("rep")
    if principal.scope == "region" and rep.region not in (None, (principal.region or "").casefold()):
        raise not_found("rep")
    return rep


def blueprint() -> Blueprint:
    blp = Blueprint("reps", __name__, url_prefix="/reps", description="Reps, their skills, capacity and load")

    @blp.route("")
    class Reps(MethodView):
        @require_roles(*REP_ADMINS)
        @blp.arguments(RepListArgs, location="query")
        @blp.response(200, RepPage)
        def get(self, args):
            """Reps with their open load; a supervisor sees their team."""
            principal, session = current_principal(), uow().session
            query = select(Rep)
            if team_scoped(principal):
                query = query.where(Rep.team == principal.team)
            if principal.scope == "region":  # as for one rep: their region's reps, and those with none
                query = query.where(Rep.region.is_(None) | (Rep.region == (principal.region or "").casefold()))
            for name in ("team", "region", "active"):
                if args.get(name) is not None:
                    query = query.where(getattr(Rep, name) == args[name])
            result = page_of(session, query.order_by(Rep.team, Rep.id), args, lambda rep: rep)
            loads = rep_loads(session, [rep.id for rep in result["items"]])
            result["items"] = [schemas.rep_view(rep, loads.get(rep.id, 0)) for rep in result["items"]]
            return result

        @require_roles(*REP_ADMINS)
        @blp.arguments(RepIn)
        @blp.response(201, RepOut)
        def post(self, data):
            """Add a rep; the id is their user id (the sub of their token)."""
            _check_team(current_principal(), data.get("team"))
            unit = uow()
            rep = reps.create_rep(unit, data)
            unit.commit()
            return present(rep)

    @blp.route("/<rep_id>")
    class RepItem(MethodView):
        @blp.response(200, RepOut)
        def get(self, rep_id):
            """One rep; a rep may read their own record."""
            return present(visible_rep(rep_id))

        @require_roles(*REP_ADMINS)
        @blp.arguments(RepPatch)
        @blp.response(200, RepOut)
        def patch(self, data, rep_id):
            """Change capacity, activity, team or skills; waiting leads are offered again by the pool sweep."""
            rep = visible_rep(rep_id)
            _check_team(current_principal(), rep.team)
            if "team" in data:
                _check_team(current_principal(), data["team"])
            unit = uow()
            reps.update_rep(unit, rep, data)
            unit.commit()
            return present(rep)

    return blp
