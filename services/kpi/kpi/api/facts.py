"""/facts: the append-only log, for operators and auditors."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from salesloop.web.app import audit_read
from salesloop.web.auth import can_see_personal_data, mask_email, mask_phone, require_roles
from salesloop.web.fields import offset_of, page_of
from sqlalchemy import func, select

from kpi.api.common import current_principal, uow
from kpi.domain.errors import NotFound
from kpi.models import FactRow
from kpi.schemas import FactOut, FactPage, FactsQuery

LOG_READERS = ("ops", "director")
FILTERS = ("event_type", "rep_id", "customer_id", "lead_id", "deal_id", "order_id", "ticket_id")


MASKS = {"phone": mask_phone, "email": mask_email}


def masked(value):
    """The event data with every phone and e-mail masked (events carry customer contacts)."""
    if isinstance(value, dict):
        return {key: MASKS[key](item) if key in MASKS and isinstance(item, str) else masked(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def shown(rows: list[FactRow], resource: str) -> list[dict]:
    """Facts as the caller may see them: personal data masked, or its reading audited."""
    if can_see_personal_data(current_principal()):
        audit_read(resource, {"facts": [row.event_id for row in rows][:100]})
        return rows
    return [{**{column.name: getattr(row, column.name) for column in FactRow.__table__.columns},
             "data": masked(row.data)} for row in rows]


def facts_query(args: dict):
    query = select(FactRow)
    for name in FILTERS:
        if args.get(name):
            query = query.where(getattr(FactRow, name) == args[name])
    if args.get("since"):
        query = query.where(FactRow.occurred_at >= args["since"])
    if args.get("until"):
        query = query.where(FactRow.occurred_at < args["until"])
    sort = args["sort"]
    column = getattr(FactRow, sort.lstrip("-"))
    return query.order_by(column.desc() if sort.startswith("-") else column.asc(), FactRow.id)


blp = Blueprint("facts", __name__, url_prefix="/facts", description="The fact log: one row per consumed event")


@blp.route("")
class Facts(MethodView):
    @require_roles(*LOG_READERS)
    @blp.arguments(FactsQuery, location="query")
    @blp.response(200, FactPage)
    def get(self, args):
        """Facts filtered by type, rep, business id and time, newest first, one page of the list envelope."""
        query = facts_query(args)
        session = uow().session
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
        rows = list(session.execute(query.offset(offset_of(args)).limit(args["page_size"])).scalars())
        return page_of(shown(rows, "/facts"), args, total)


@blp.route("/<event_id>")
class OneFact(MethodView):
    @require_roles(*LOG_READERS)
    @blp.response(200, FactOut)
    def get(self, event_id):
        """One fact, with the event's data as received (phones and e-mails masked for ops)."""
        row = uow().session.execute(select(FactRow).where(FactRow.event_id == event_id)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no fact for event {event_id}")
        return shown([row], f"/facts/{event_id}")[0]

