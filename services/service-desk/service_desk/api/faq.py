"""/faq: common questions and answers, searched by agents and (publicly) by customers."""
from __future__ import annotations

from flask import g
from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.fields import PageOf
from salesloop.web.paging import list_page
from salesloop.web.app import rate_limited, uow
from salesloop.web.auth import Principal, current_principal, public, require_roles

from service_desk.commands import faq
from service_desk.api.common import AGENTS, SUPERVISORS, committed
from service_desk.schemas import FaqIn, FaqOut, FaqPatchIn, FaqQuery


def _staff() -> bool:
    """Signed-in desk staff also see drafts; the public sees published entries only."""
    principal: Principal | None = getattr(g, "principal", None)
    return principal is not None and principal.has(*AGENTS, "admin")


def blueprint() -> Blueprint:
    blp = Blueprint("faq", __name__, url_prefix="/faq",
                    description="A small knowledge base (Chinese and English search).")

    @blp.route("")
    class Entries(MethodView):
        @public
        @rate_limited()
        @blp.arguments(FaqQuery, location="query")
        @blp.response(200, PageOf(FaqOut))
        def get(self, args):
            """Search with ``q`` (best first), or list every entry."""
            found = faq.search_entries(uow(), args.get("q") or "", include_unpublished=_staff())
            return list_page(found, args)

        @require_roles(*SUPERVISORS)
        @blp.arguments(FaqIn)
        @blp.response(201, FaqOut)
        def post(self, data):
            """Add an entry."""
            return committed(faq.create_entry(uow(), current_principal(), data))

    @blp.route("/<entry_id>")
    class EntryById(MethodView):
        @public
        @rate_limited()
        @blp.response(200, FaqOut)
        def get(self, entry_id):
            """One entry."""
            return faq.visible_entry(uow(), entry_id, include_unpublished=_staff())

        @require_roles(*SUPERVISORS)
        @blp.arguments(FaqPatchIn)
        @blp.response(200, FaqOut)
        def patch(self, data, entry_id):
            """Change an entry, publish or withdraw it."""
            return committed(faq.update_entry(uow(), current_principal(), entry_id, data))

        @require_roles(*SUPERVISORS)
        @blp.response(204)
        def delete(self, entry_id):
            """Delete an entry."""
            committed(faq.delete_entry(uow(), entry_id))

    return blp
