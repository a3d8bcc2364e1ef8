"""/leads: capture, list, detail, edit, grading, assignment, follow-up, conversion, merges, export."""
from __future__ import annotations

import csv
import io

from flask import Response, stream_with_context
from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from sqlalchemy import case, or_, select

from salesloop.web.app import audit_read, rate_limited, uow
from salesloop.web.auth import current_principal, public, require_roles

from leads import schemas
from leads.commands import assignment, capture, conversion, followup, merging
from leads.commands.retrying import committed
from leads.models import Activity, Lead, LeadHistory, LeadMerge
from leads.repository import lead_visibility, reps_in_scope
from leads.api.common import (CAPTURERS, SUPERVISORS, WRITERS, day_bounds, now, order_by, page_of,
                                    team_scoped, visible_lead)
from leads.schemas import (ActivityIn, ActivityOut, AssignIn, ConversionOut, ConvertIn, DisqualifyIn,
                           GradeOverrideIn, HistoryOut, LeadExportArgs, LeadIn, LeadListArgs, LeadOut, LeadPage,
                           LeadPatch, MergeIn, MergeOut, PoolAssignOut, QualifyIn, UnmergeIn, WebFormIn)

# Every visible lead in one file: for the people who work leads, not agents or machines.
EXPORTERS = ("rep", *SUPERVISORS, "ops")
GRADE_RANK = case({"high": 3, "medium": 2, "low": 1}, value=Lead.grade, else_=0)
SORTS = {"captured_at": Lead.captured_at, "received_at": Lead.received_at, "score": Lead.score,
         "grade": GRADE_RANK, "followup_due_at": Lead.followup_due_at, "company": Lead.company,
         "status": Lead.status, "updated_at": Lead.updated_at}


def present(lead: Lead) -> dict:
    principal = current_principal()
    return schemas.lead_view(lead, principal, now(), reps_known=_reps_known(principal, lead.assignment))


def _reps_known(principal, explanation: dict | None) -> set[str] | None:
    """Which candidates of an assignment explanation the caller may see (None: all)."""
    if principal.scope == "all" or not explanation:
        return None
    return reps_in_scope(uow().session, principal,
                         [candidate.get("rep_id") for candidate in explanation.get("candidates") or []])


def present_audited(lead: Lead) -> dict:
    if schemas.shows_personal_data(current_principal(), [lead.owner_rep_id]):
        audit_read(f"/leads/{lead.id}", {"lead_ids": [lead.id]})
    return present(lead)


def lead_query(args: dict, *, pool_only: bool = False):
    principal, unit = current_principal(), uow()
    query = select(Lead).where(lead_visibility(principal))
    if not args.get("include_merged"):
        query = query.where(Lead.merged_into.is_(None))
    for name, column in (("status", Lead.status), ("grade", Lead.grade), ("source", Lead.source)):
        if args.get(name):
            query = query.where(column.in_(args[name]))
    for name, column in (("owner", Lead.owner_rep_id), ("team", Lead.team), ("region", Lead.region)):
        if args.get(name):
            query = query.where(column == args[name])
    if pool_only or args.get("unassigned") is True:
        query = query.where(Lead.owner_rep_id.is_(None), Lead.status == "new")
    elif args.get("unassigned") is False:
        query = query.where(Lead.owner_rep_id.is_not(None))
    if args.get("overdue") is not None:
        late = Lead.status.in_(("assigned", "contacted", "qualified")) & (Lead.followup_due_at < now())
        query = query.where(late if args["overdue"] else ~late | Lead.followup_due_at.is_(None))
    start, end = day_bounds(args.get("captured_from"), args.get("captured_to"), unit.settings.company_timezone)
    if start:
        query = query.where(Lead.captured_at >= start)
    if end:
        query = query.where(Lead.captured_at < end)
    if args.get("q"):
        pattern = f"%{args['q']}%"
        query = query.where(or_(Lead.company.ilike(pattern), Lead.person_name.ilike(pattern),
                                Lead.contact_name.ilike(pattern)))
    return query.order_by(*order_by(args["sort"], SORTS, Lead.id))


def list_page(args: dict, *, pool_only: bool = False) -> dict:
    result = page_of(uow().session, lead_query(args, pool_only=pool_only), args, present)
    owners = [item["owner_rep_id"] for item in result["items"]]
    if schemas.shows_personal_data(current_principal(), owners):
        audit_read("/leads", {"lead_ids": [item["id"] for item in result["items"]][:200]})
    return result


def blueprint() -> Blueprint:
    blp = Blueprint("leads", __name__, url_prefix="/leads",
                    description="Leads: capture, duplicates, grading, assignment, follow-up and conversion")

    @blp.route("")
    class Leads(MethodView):
        @blp.arguments(LeadListArgs, location="query")
        @blp.response(200, LeadPage)
        def get(self, args):
            """Leads the caller may see, filtered, sorted and paginated; phone and e-mail masked as needed."""
            return list_page(args)

        @require_roles(*CAPTURERS)
        @blp.arguments(LeadIn())  # an instance: from a class webargs would build the schemas on every request
        @blp.response(201, LeadOut)
        @blp.alt_response(409, description="A lead or customer with the same phone, e-mail or company exists.")
        def post(self, data):
            """Capture a lead: duplicate check, grading and automatic assignment."""
            by = current_principal().user
            return present(committed(uow(), lambda unit: capture.capture_lead(unit, data, captured_by=by)))

    @blp.route("/web-form")
    class WebForm(MethodView):
        @public
        @rate_limited()
        @blp.arguments(WebFormIn())
        @blp.response(202)
        def post(self, data):
            """Public web-form ingest (rate limited). A duplicate is recorded linked, never revealed."""
            body = {**{k: v for k, v in data.items() if k != "campaign_code"}, "source": "web_form",
                    "source_detail": {"campaign_code": data.get("campaign_code"), "referrer": None},
                    "record_duplicate": True}
            committed(uow(), lambda unit: capture.capture_lead(unit, body, captured_by="web-form"))
            return {"status": "received"}

    @blp.route("/pool")
    class Pool(MethodView):
        @require_roles(*SUPERVISORS, "ops")
        @blp.arguments(LeadListArgs, location="query")
        @blp.response(200, LeadPage)
        def get(self, args):
            """The unassigned pool: graded leads no eligible rep could take, for a supervisor to hand out."""
            return list_page(args, pool_only=True)

    @blp.route("/pool/assign")
    class PoolAssign(MethodView):
        @require_roles(*SUPERVISORS, "ops")
        @blp.response(200, PoolAssignOut)
        def post(self):
            """Offer the pool to the reps again now (the worker also does it periodically)."""
            unit = uow()
            assigned = assignment.assign_pool(unit, now())
            unit.commit()
            return {"assigned": assigned}

    @blp.route("/export")
    class Export(MethodView):
        @require_roles(*EXPORTERS)
        @blp.arguments(LeadExportArgs, location="query")
        @blp.response(200, description="CSV (UTF-8 with BOM, for spreadsheets), masked like the list.",
                      content_type="text/csv")
        def get(self, args):
            """The filtered list as CSV, with the same masking as the list and the details."""
            return export_csv(args)

    @blp.route("/<lead_id>")
    class LeadItem(MethodView):
        @blp.response(200, LeadOut)
        def get(self, lead_id):
            """One lead with its score, the rules' contributions and the assignment explanation."""
            return present_audited(visible_lead(lead_id))

        @require_roles(*WRITERS)
        @blp.arguments(LeadPatch)
        @blp.response(200, LeadOut)
        def patch(self, data, lead_id):
            """Edit a lead's details; it is re-graded when what grading reads changed."""
            unit = uow()
            lead = visible_lead(lead_id, lock=True)
            capture.update_lead(unit, lead, data, by=current_principal().user)
            unit.commit()
            return present(lead)

    @blp.route("/<lead_id>/history")
    class History(MethodView):
        @blp.response(200, HistoryOut(many=True))
        def get(self, lead_id):
            """What happened to the lead, oldest first, including what came with merged duplicates."""
            lead = visible_lead(lead_id)
            ids = _with_merged(lead)
            return uow().session.execute(select(LeadHistory).where(LeadHistory.lead_id.in_(ids))
                                         .order_by(LeadHistory.at, LeadHistory.id)).scalars().all()

    @blp.route("/<lead_id>/grade-override")
    class GradeOverride(MethodView):
        @require_roles(*SUPERVISORS)
        @blp.arguments(GradeOverrideIn)
        @blp.response(200, LeadOut)
        def post(self, data, lead_id):
            """A supervisor's grade, with the reason; the computed grade is kept beside it."""
            unit = uow()
            lead = visible_lead(lead_id, lock=True)
            capture.override_lead_grade(unit, lead, data["grade"], data["reason"], current_principal().user)
            unit.commit()
            return present(lead)

    @blp.route("/<lead_id>/assign")
    class Assign(MethodView):
        @require_roles(*SUPERVISORS)
        @blp.arguments(AssignIn)
        @blp.response(200, LeadOut)
        def post(self, data, lead_id):
            """Assign (or re-assign) by hand; a supervisor within their team."""
            unit, principal = uow(), current_principal()
            lead = visible_lead(lead_id, lock=True)
            assignment.assign_manually(unit, lead, data["rep_id"], by=principal.user, by_team=principal.team,
                                       team_scoped=team_scoped(principal), note=data.get("note"),
                                       over_capacity=data["over_capacity"])
            unit.commit()
            return present(lead)

    @blp.route("/<lead_id>/activities")
    class Activities(MethodView):
        @blp.response(200, ActivityOut(many=True))
        def get(self, lead_id):
            """Contacts logged on the lead (and on leads merged into it), newest first."""
            lead = visible_lead(lead_id)
            return uow().session.execute(select(Activity).where(Activity.lead_id.in_(_with_merged(lead)))
                                         .order_by(Activity.occurred_at.desc(), Activity.id)).scalars().all()

        @require_roles(*WRITERS)
        @blp.arguments(ActivityIn)
        @blp.response(201, ActivityOut)
        def post(self, data, lead_id):
            """Log a call, e-mail, visit or chat; the first one marks first contact."""
            unit = uow()
            lead = visible_lead(lead_id, lock=True)
            activity = followup.log_contact(unit, lead, data, by=current_principal().user)
            unit.commit()
            return activity

    _status_routes(blp)
    _merge_routes(blp)
    return blp


def _status_routes(blp: Blueprint) -> None:
    @blp.route("/<lead_id>/qualify")
    class Qualify(MethodView):
        @require_roles(*WRITERS)
        @blp.arguments(QualifyIn)
        @blp.response(200, LeadOut)
        def post(self, data, lead_id):
            """contacted → qualified."""
            unit = uow()
            lead = visible_lead(lead_id, lock=True)
            followup.qualify(unit, lead, by=current_principal().user, note=data.get("note"))
            unit.commit()
            return present(lead)

    @blp.route("/<lead_id>/disqualify")
    class Disqualify(MethodView):
        @require_roles(*WRITERS)
        @blp.arguments(DisqualifyIn)
        @blp.response(200, LeadOut)
        def post(self, data, lead_id):
            """Drop an open lead, with the reason."""
            unit = uow()
            lead = visible_lead(lead_id, lock=True)
            followup.disqualify(unit, lead, data["reason"], by=current_principal().user)
            unit.commit()
            return present(lead)

    @blp.route("/<lead_id>/convert")
    class Convert(MethodView):
        @require_roles(*WRITERS)
        @blp.arguments(ConvertIn)
        @blp.response(200, ConversionOut)
        def post(self, data, lead_id):
            """qualified → converted: link or create the customer; leads.lead.converted opens the deal."""
            unit = uow()
            lead = visible_lead(lead_id, lock=True)
            customer, created = conversion.convert_lead(unit, lead, data, by=current_principal().user)
            unit.commit()
            return {"lead": present(lead), "customer_id": customer.id, "customer_created": created}


def _merge_routes(blp: Blueprint) -> None:
    @blp.route("/<lead_id>/merge")
    class Merge(MethodView):
        @require_roles(*WRITERS)
        @blp.arguments(MergeIn)
        @blp.response(201, MergeOut)
        def post(self, data, lead_id):
            """Merge ``duplicate_id`` into this lead; empty fields are filled, product lines united."""
            unit = uow()
            # Locked in id order, so two opposite merges at once cannot deadlock.
            locked = {key: visible_lead(key, lock=True) for key in sorted({lead_id, data["duplicate_id"]})}
            row = merging.merge_leads(unit, locked[lead_id], locked[data["duplicate_id"]],
                                      by=current_principal().user)
            unit.commit()
            return schemas.merge_view(row)

    @blp.route("/<lead_id>/merges")
    class Merges(MethodView):
        @blp.response(200, MergeOut(many=True))
        def get(self, lead_id):
            """The merges into this lead, with what each changed."""
            visible_lead(lead_id)
            rows = uow().session.execute(select(LeadMerge).where(LeadMerge.primary_id == lead_id)
                                         .order_by(LeadMerge.merged_at)).scalars()
            return [schemas.merge_view(row) for row in rows]

    @blp.route("/<lead_id>/unmerge")
    class Unmerge(MethodView):
        @require_roles(*WRITERS)
        @blp.arguments(UnmergeIn)
        @blp.response(200, MergeOut)
        def post(self, data, lead_id):
            """Undo a merge: both leads exactly as they were (refused if the primary was edited since)."""
            unit = uow()
            primary = visible_lead(lead_id, lock=True)
            row = merging.unmerge_leads(unit, primary, data["merge_id"], by=current_principal().user)
            unit.commit()
            return schemas.merge_view(row)


def _with_merged(lead: Lead) -> list[str]:
    merged = uow().session.execute(select(Lead.id).where(Lead.merged_into == lead.id)).scalars().all()
    return [lead.id, *merged]


def export_csv(args: dict) -> Response:
    principal, session = current_principal(), uow().session
    query = lead_query(args).limit(args["page_size"]).offset((args["page"] - 1) * args["page_size"])
    audit_read("/leads/export", {"filters": {k: str(v) for k, v in args.items()}})
    moment = now()

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
        writer.writerow(schemas.EXPORT_COLUMNS)
        for lead in session.execute(query.execution_options(yield_per=500)).scalars():
            writer.writerow(schemas.export_row(schemas.lead_view(lead, principal, moment)))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="leads.csv"'})
