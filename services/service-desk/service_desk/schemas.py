"""What the Service desk API reads and writes (marshmallow).

Input schemas reject unknown fields (marshmallow's default RAISE) and say what
is wrong field by field; decimals travel as strings, never floats; times are
RFC 3339 with a zone (a time without one is read as UTC).
"""
from __future__ import annotations

from datetime import timezone
from decimal import Decimal

from salesloop.web.fields import Amount, Boolean, DecimalString, Number, page_args
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service_desk.domain.care import CareKind
from service_desk.domain.interactions import Direction, InteractionChannel
from service_desk.domain.qa import Category, MatchKind, Severity
from service_desk.domain.sla import ClockMode, Priority, ReopenRule, TicketType
from service_desk.domain.status import TicketStatus
from service_desk.domain.tickets import Channel, Verdict

from datetime import datetime, timedelta

from salesloop.money import quantize
from salesloop.web.app import audit_read
from salesloop.web.auth import Principal, can_see_personal_data, mask_contacts, mask_email, mask_phone

from service_desk.commands.tickets import FIRST, RESOLUTION, policy_clock
from service_desk.config import DeskConfig
from service_desk.domain.tickets import complaint_next_steps
from service_desk.models import CustomerRow, TicketRow



ListArgs = page_args(20, 200)  # the sizes the lists had

def _names(enum) -> list[str]:
    return [member.value for member in enum]


def moment(**kwargs) -> fields.AwareDateTime:
    return fields.AwareDateTime(default_timezone=timezone.utc, **kwargs)


def text(max_length: int, *, required: bool = False, **kwargs) -> fields.String:
    """Text of at most ``max_length`` characters; when given, never empty."""
    return fields.String(required=required, validate=validate.Length(min=1, max=max_length), **kwargs)


def ref(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=64), **kwargs)


def choice(enum, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(_names(enum)), **kwargs)


def max_places(places: int):
    def check(value: Decimal) -> None:
        if value is not None and value.as_tuple().exponent < -places:
            raise ValidationError(f"Use at most {places} decimal places.")

    return check




SORT_HELP = "a field name, '-' first for descending"


def sort_field(*names: str, default: str) -> fields.String:
    allowed = [*names, *(f"-{name}" for name in names)]
    return fields.String(load_default=default, validate=validate.OneOf(allowed),
                         metadata={"description": f"{SORT_HELP}: {', '.join(names)}"})


# -- tickets ------------------------------------------------------------------------------------------


class ComplainantIn(Schema):
    name = text(120)
    phone = fields.String(validate=validate.Regexp(r"^\+?[0-9 ()-]{5,40}$", error="Not a valid phone number."))
    email = fields.Email(validate=validate.Length(max=200))


class TicketIn(Schema):
    type = choice(TicketType, required=True)
    priority = choice(Priority, load_default="normal")
    channel = choice(Channel, required=True)
    customer_id = ref(required=True)
    order_id = ref(allow_none=True)
    subject = text(200)
    description = text(20000, required=True)
    complainant = fields.Nested(ComplainantIn)
    received_at = moment(metadata={"description": "when the customer reached us (default now)"})
    agent_id = ref(metadata={"description": "supervisors assign; an agent opens tickets for themselves"})
    team = ref()
    region = ref()


class AtIn(Schema):
    at = moment(metadata={"description": "when it happened (default now); never before the last change"})


class RespondIn(AtIn):
    message = text(20000)


class ReasonIn(AtIn):
    reason = text(2000)


class ReopenIn(AtIn):
    reason = text(2000, required=True)


class AttachmentIn(Schema):
    ref = text(300, required=True, metadata={"description": "where the evidence is stored (a URL or a key)"})
    name = text(200)
    content_type = text(100)


class NoteIn(AtIn):
    text = text(20000, required=True)
    attachments = fields.List(fields.Nested(AttachmentIn), load_default=list, validate=validate.Length(max=20))


class CompensationIn(Schema):
    amount = Amount(required=True, exclusive=True)
    currency = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Z]{3}$", error="Use a three-letter ISO 4217 code, e.g. CNY."))
    reason = text(2000, required=True)


class ResolveIn(AtIn):
    resolution = text(20000, required=True)
    compensation = fields.Nested(CompensationIn, allow_none=True)
    agent_at_fault = ref(allow_none=True)


class CloseIn(AtIn):
    verdict = choice(Verdict, allow_none=True, load_default=None,
                     metadata={"description": "the customer's verdict; null when they never gave one"})


class AssignIn(Schema):
    agent_id = ref(required=True)
    team = ref()
    region = ref()


class TicketQuery(ListArgs):
    status = choice(TicketStatus)
    type = choice(TicketType)
    priority = choice(Priority)
    channel = choice(Channel)
    customer_id = ref()
    order_id = ref()
    agent_id = ref()
    overdue = Boolean(metadata={"description": "only tickets past a due time (or only those on time)"})
    received_from = moment()
    received_to = moment()
    sort = sort_field("received_at", "resolution_due_at", "first_response_due_at", "priority", default="-received_at")


class PersonOut(Schema):
    """A contact as known: any part may be missing."""

    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class TargetOut(Schema):
    allowed_minutes = fields.Integer()
    elapsed_minutes = fields.Integer()
    remaining_minutes = fields.Integer()
    due_at = fields.DateTime()
    met_at = fields.DateTime(allow_none=True)
    breached = Boolean()
    paused = Boolean()
    escalation_level = fields.Integer()
    cycle = fields.Integer()


class SlaOut(Schema):
    policy_version = fields.Integer()
    clock = fields.String()
    first_response = fields.Nested(TargetOut)
    resolution = fields.Nested(TargetOut)


class NextStepOut(Schema):
    zh = fields.String()
    en = fields.String()
    due_at = fields.DateTime(allow_none=True)


class NextStepsOut(Schema):
    zh = fields.String()
    en = fields.String()
    steps = fields.List(fields.Nested(NextStepOut))


class TicketOut(Schema):
    id = fields.String()
    type = fields.String()
    priority = fields.String()
    channel = fields.String()
    status = fields.String()
    customer_id = fields.String()
    order_id = fields.String(allow_none=True)
    subject = fields.String()
    description = fields.String()
    complainant = fields.Nested(PersonOut, allow_none=True)
    received_at = fields.DateTime()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)
    agent_id = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    verdict = fields.String(allow_none=True)
    reopen_count = fields.Integer()
    sla = fields.Nested(SlaOut)
    next_steps = fields.Nested(NextStepsOut, allow_none=True)


class ChangeOut(Schema):
    status = fields.String()
    at = fields.DateTime()
    actor = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class NoteOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    author = fields.String()
    at = fields.DateTime()
    text = fields.String()
    attachments = fields.List(fields.Dict())


class CompensationOut(Schema):
    amount = DecimalString()
    currency = fields.String()
    reason = fields.String()
    fx_rate = Number()


class ResolutionOut(Schema):
    text = fields.String()
    resolved_by = fields.String()
    resolved_at = fields.DateTime()
    compensation = fields.Nested(CompensationOut, allow_none=True)
    agent_at_fault = fields.String(allow_none=True)


class EscalationOut(Schema):
    target = fields.String()
    level = fields.Integer()
    cycle = fields.Integer()
    notify = fields.String()
    breached_at = fields.DateTime()
    due_at = fields.DateTime()
    escalated_at = fields.DateTime()


class TicketDetailOut(TicketOut):
    history = fields.List(fields.Nested(ChangeOut))
    notes = fields.List(fields.Nested(NoteOut))
    resolutions = fields.List(fields.Nested(ResolutionOut))
    escalations = fields.List(fields.Nested(EscalationOut))


# -- SLA policies ----------------------------------------------------------------------------------------


class EscalationStepIn(Schema):
    level = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10))
    after_breach_minutes = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0))
    notify = text(40, required=True)


class PolicyIn(Schema):
    ticket_type = choice(TicketType, required=True)
    priority = choice(Priority, required=True)
    first_response_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    resolution_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    clock = choice(ClockMode, load_default="business_hours")
    escalations = fields.List(fields.Nested(EscalationStepIn))


class PolicyBookIn(Schema):
    reopen_rule = choice(ReopenRule, load_default="restart")
    escalations = fields.List(fields.Nested(EscalationStepIn), load_default=list)
    policies = fields.List(fields.Nested(PolicyIn), required=True, validate=validate.Length(min=1))


class PolicyBookOut(Schema):
    version = fields.Integer()
    reopen_rule = fields.String()
    policies = fields.List(fields.Dict())
    calendar = fields.Dict()


# -- surveys ---------------------------------------------------------------------------------------------


class SurveyAnswerIn(Schema):
    csat = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=5, error="Must be a whole number from 1 to 5."))
    nps = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=10, error="Must be a whole number from 0 to 10."))
    comment = fields.String(validate=validate.Length(max=2000), load_default="")


class SurveyPublicOut(Schema):
    about = fields.String(metadata={"description": "order or ticket"})
    order_id = fields.String(allow_none=True)
    ticket_id = fields.String(allow_none=True)
    expires_at = fields.DateTime()
    answered = Boolean()
    expired = Boolean()
    scales = fields.Dict()


class SurveyThanksOut(Schema):
    answered_at = fields.DateTime()
    message = fields.String()


class SurveyQuery(ListArgs):
    order_id = ref()
    ticket_id = ref()
    customer_id = ref()
    rep_id = ref()
    answered = Boolean()
    sort = sort_field("sent_at", "answered_at", default="-sent_at")


class SurveyOut(Schema):
    id = fields.String()
    order_id = fields.String(allow_none=True)
    ticket_id = fields.String(allow_none=True)
    customer_id = fields.String()
    rep_id = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    sent_at = fields.DateTime()
    expires_at = fields.DateTime()
    reminded_at = fields.DateTime(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    csat = fields.Integer(allow_none=True)
    nps = fields.Integer(allow_none=True)
    nps_category = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)


# -- interactions --------------------------------------------------------------------------------------


class InteractionIn(Schema):
    agent_id = ref(metadata={"description": "default: the caller"})
    customer_id = ref(allow_none=True)
    ticket_id = ref(allow_none=True)
    channel = choice(InteractionChannel, required=True)
    direction = choice(Direction, load_default="inbound")
    started_at = moment(required=True)
    ended_at = moment(allow_none=True)
    duration_seconds = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=86400))
    content = fields.String(required=True, validate=validate.Length(max=200000),
                            metadata={"description": "the chat text or the call transcript"})
    customer_feedback = text(5000, allow_none=True)
    recording_ref = text(300, allow_none=True)
    recording_retention_days = fields.Integer(strict=True, allow_none=True,
                                              validate=validate.Range(min=1, max=3650))
    team = ref()
    region = ref()

    @validates_schema
    def _one_end(self, data, **_):
        if data.get("ended_at") is not None and data.get("duration_seconds") is not None:
            raise ValidationError("Give either ended_at or duration_seconds, not both.", "duration_seconds")
        if data.get("recording_retention_days") and not data.get("recording_ref"):
            raise ValidationError("A retention needs a recording.", "recording_retention_days")


class InteractionQuery(ListArgs):
    agent_id = ref()
    customer_id = ref()
    ticket_id = ref()
    channel = choice(InteractionChannel)
    has_violations = Boolean()
    started_from = moment()
    started_to = moment()
    sort = sort_field("started_at", "violation_count", default="-started_at")


class ViolationOut(Schema):
    rule_id = fields.String()
    category = fields.String()
    severity = fields.String()
    start = fields.Integer(attribute="start_offset")
    end = fields.Integer(attribute="end_offset")
    matched = fields.String()
    excerpt = fields.String()
    detected_at = fields.DateTime()


class InteractionOut(Schema):
    id = fields.String()
    agent_id = fields.String()
    team = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    customer_id = fields.String(allow_none=True)
    ticket_id = fields.String(allow_none=True)
    channel = fields.String()
    direction = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    duration_seconds = fields.Integer(allow_none=True)
    content = fields.String()
    customer_feedback = fields.String(allow_none=True)
    recording_ref = fields.String(allow_none=True)
    recording_retained_until = fields.DateTime(allow_none=True)
    recording_purged_at = fields.DateTime(allow_none=True)
    violation_count = fields.Integer()
    violations = fields.List(fields.Nested(ViolationOut))
    logged_at = fields.DateTime()
    logged_by = fields.String()


# -- QA ---------------------------------------------------------------------------------------------------


class RuleIn(Schema):
    id = fields.String(validate=validate.Regexp(r"^[a-z0-9][a-z0-9._-]{0,99}$",
                                                error="Use lower-case letters, digits, '.', '_' or '-'."))
    pattern = text(500, required=True)
    category = choice(Category, required=True)
    severity = choice(Severity, required=True)
    kind = choice(MatchKind, load_default="phrase")
    variants = fields.List(text(500, required=True), load_default=list, validate=validate.Length(max=20))
    description = text(1000, load_default="")


class RulePatchIn(Schema):
    pattern = text(500)
    category = choice(Category)
    severity = choice(Severity)
    kind = choice(MatchKind)
    variants = fields.List(text(500, required=True), validate=validate.Length(max=20))
    description = text(1000)
    active = Boolean()


class RuleQuery(Schema):
    category = choice(Category)
    active = Boolean()


class RuleOut(Schema):
    id = fields.String()
    pattern = fields.String()
    category = fields.String()
    severity = fields.String()
    kind = fields.String()
    variants = fields.List(fields.String())
    description = fields.String()
    active = Boolean()
    updated_at = fields.DateTime()
    updated_by = fields.String(allow_none=True)


class CheckIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=200000))


class HitOut(Schema):
    rule_id = fields.String()
    category = fields.String()
    severity = fields.String()
    start = fields.Integer()
    end = fields.Integer()
    matched = fields.String()
    excerpt = fields.String()


class CheckOut(Schema):
    hits = fields.List(fields.Nested(HitOut))


class SampleIn(Schema):
    period_start = moment(required=True)
    period_end = moment(required=True)
    per_agent = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    agent_ids = fields.List(ref(), validate=validate.Length(max=200))
    seed = text(100, metadata={"description": "the same seed gives the same sample (default: random, recorded)"})

    @validates_schema
    def _period(self, data, **_):
        if data["period_end"] <= data["period_start"]:
            raise ValidationError("The period must end after it starts.", "period_end")


class ScoreIn(Schema):
    marks = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True, allow_none=True), required=True,
                        metadata={"description": "points per item of the review form; null = not applicable"})
    comments = text(5000)


class ReviewQuery(ListArgs):
    agent_id = ref()
    status = fields.String(validate=validate.OneOf(["pending", "scored"]))
    period_from = moment()
    sort = sort_field("sampled_at", "score", default="-sampled_at")


class ReviewOut(Schema):
    id = fields.String()
    interaction_id = fields.String()
    agent_id = fields.String()
    team = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    period_start = fields.DateTime()
    period_end = fields.DateTime()
    seed = fields.String()
    status = fields.String()
    sampled_at = fields.DateTime()
    sampled_by = fields.String()
    reviewer_id = fields.String(allow_none=True)
    marks = fields.Dict(allow_none=True)
    score = Number(allow_none=True)
    critical_failure = Boolean(allow_none=True)
    comments = fields.String(allow_none=True)
    scored_at = fields.DateTime(allow_none=True)


class ReviewItemOut(Schema):
    key = fields.String()
    label = fields.String()
    weight = fields.Integer()
    max_points = fields.Integer()
    critical = Boolean()


class ReviewFormOut(Schema):
    items = fields.List(fields.Nested(ReviewItemOut))


# -- customers and care --------------------------------------------------------------------------------


class CustomerQuery(ListArgs):
    abc_class = fields.String(validate=validate.OneOf(["A", "B", "C"]))
    owner_rep_id = ref()
    sort = sort_field("id", "name", default="id")


class CustomerOut(Schema):
    id = fields.String()
    name = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    abc_class = fields.String(allow_none=True)
    classified_at = fields.DateTime(allow_none=True)
    industry = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    owner_rep_id = fields.String(allow_none=True)
    contact = fields.Nested(PersonOut)
    birthday = fields.Date(allow_none=True)
    customer_since = fields.Date(allow_none=True)
    accepts_greetings = Boolean()


class CustomerPatchIn(Schema):
    accepts_greetings = Boolean(required=True)


class CareTaskQuery(ListArgs):
    status = fields.String(validate=validate.OneOf(["open", "done"]))
    kind = choice(CareKind)
    agent_id = ref()
    customer_id = ref()
    due_from = fields.Date()
    due_to = fields.Date()
    sort = sort_field("due_on", "created_at", default="due_on")


class CareTaskOut(Schema):
    id = fields.String()
    customer_id = fields.String()
    kind = fields.String()
    due_on = fields.Date()
    occasion = fields.String()
    abc_class = fields.String(allow_none=True)
    agent_id = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    status = fields.String()
    notes = fields.String(allow_none=True)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)


class CompleteTaskIn(Schema):
    notes = text(5000, required=True)
    completed_at = moment()


# -- FAQ ---------------------------------------------------------------------------------------------------


class FaqIn(Schema):
    question = text(1000, required=True)
    answer = text(20000, required=True)
    keywords = fields.List(text(50, required=True), load_default=list, validate=validate.Length(max=30))
    published = Boolean(load_default=True)


class FaqPatchIn(Schema):
    question = text(1000)
    answer = text(20000)
    keywords = fields.List(text(50, required=True), validate=validate.Length(max=30))
    published = Boolean()


class FaqQuery(ListArgs):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "words or a Chinese phrase"})
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class FaqOut(Schema):
    id = fields.String()
    question = fields.String()
    answer = fields.String()
    keywords = fields.List(fields.String())
    published = Boolean()
    updated_at = fields.DateTime()
    score = fields.Integer(allow_none=True)
    matched_terms = fields.List(fields.String(), allow_none=True)


# -- presenting rows: live SLA status, complaint next steps, personal data masked ----------------------------------
class TicketPresenter:
    """One per request: policy books are read once however many tickets are shown."""

    def __init__(self, uow, desk: DeskConfig, principal: Principal, now: datetime):
        self.uow, self.desk, self.principal, self.now = uow, desk, principal, now
        self.books: dict = {}

    def many(self, rows: list[TicketRow]) -> list[dict]:
        views = [self.one(row, audit=False) for row in rows]
        shown = [row.id for row in rows if self._shows_personal_data(row)]
        if shown:
            audit_read("/tickets", {"tickets": shown})
        return views

    def one(self, row: TicketRow, *, detail: bool = False, audit: bool = True) -> dict:
        clock = policy_clock(self.uow, self.desk, row, self.books)
        view = {column: getattr(row, column) for column in _TICKET_COLUMNS}
        view["type"] = row.ticket_type
        view["complainant"] = self._complainant(row)
        view["sla"] = {"policy_version": row.sla_policy_version, "clock": str(clock.policy.clock),
                       "first_response": _target(clock.status(FIRST, self.now)),
                       "resolution": _target(clock.status(RESOLUTION, self.now))}
        view["next_steps"] = self._next_steps(row, clock) if row.ticket_type == TicketType.COMPLAINT else None
        if detail:
            view.update(_detail(row))
        if audit and self._shows_personal_data(row):
            audit_read(f"/tickets/{row.id}", {"fields": ["complainant"]})
        return view

    def _next_steps(self, row: TicketRow, clock) -> dict:
        steps = complaint_next_steps(clock.policy, self.desk.calendar, row.received_at)
        return {"zh": steps.text("zh"), "en": steps.text("en"),
                "steps": [{"zh": s.zh, "en": s.en, "due_at": s.due_at} for s in steps.steps]}

    def _complainant(self, row: TicketRow) -> dict | None:
        if not (row.complainant_name or row.complainant_phone or row.complainant_email):
            return None
        person = {"name": row.complainant_name, "phone": row.complainant_phone, "email": row.complainant_email}
        return person if self._may_see(row) else _masked(person)

    def _may_see(self, row: TicketRow) -> bool:
        return can_see_personal_data(self.principal, owner=row.agent_id)

    def _shows_personal_data(self, row: TicketRow) -> bool:
        return bool(row.complainant_phone or row.complainant_email) and self._may_see(row)


_TICKET_COLUMNS = (
    "id", "priority", "channel", "status", "customer_id", "order_id", "subject", "description", "received_at",
    "created_at", "created_by", "agent_id", "team", "region", "responded_at", "resolved_at", "closed_at",
    "verdict", "reopen_count",
)


def _minutes(duration: timedelta) -> int:
    return int(duration.total_seconds() // 60)


def _target(status) -> dict:
    return {
        "allowed_minutes": _minutes(status.allowed), "elapsed_minutes": _minutes(status.elapsed),
        "remaining_minutes": _minutes(status.remaining), "due_at": status.due_at, "met_at": status.met_at,
        "breached": status.breached, "paused": status.paused, "escalation_level": status.escalation_level,
        "cycle": status.cycle,
    }


def _detail(row: TicketRow) -> dict:
    return {
        "history": [{"status": c.status, "at": c.at, "actor": c.actor, "reason": c.reason} for c in row.changes],
        "notes": [{"id": n.id, "kind": n.kind, "author": n.author, "at": n.at, "text": n.text,
                   "attachments": n.attachments or []} for n in row.notes],
        "resolutions": [{
            "text": r.text, "resolved_by": r.resolved_by, "resolved_at": r.resolved_at,
            "agent_at_fault": r.agent_at_fault,
            "compensation": None if r.compensation_amount is None else {
                "amount": quantize(r.compensation_amount, r.compensation_currency), "currency": r.compensation_currency,
                "reason": r.compensation_reason, "fx_rate": r.fx_rate},
        } for r in row.resolutions],
        "escalations": [{"target": e.target, "level": e.level, "cycle": e.cycle, "notify": e.notify,
                         "breached_at": e.breached_at, "due_at": e.due_at, "escalated_at": e.escalated_at}
                        for e in row.escalations],
    }


def _masked(person: dict) -> dict:
    return {"name": person["name"], "phone": mask_phone(person["phone"]), "email": mask_email(person["email"])}


# -- customers ------------------------------------------------------------------------------------------


def customer_view(row: CustomerRow, principal: Principal) -> dict:
    view = {column: getattr(row, column) for column in _CUSTOMER_COLUMNS}
    contact = {"name": row.contact_name, "phone": row.contact_phone, "email": row.contact_email}
    if can_see_personal_data(principal, owner=row.owner_rep_id):
        view["contact"] = contact
    else:
        view["contact"], view["birthday"] = _masked(contact), None
    return view


def customers_view(rows: list[CustomerRow], principal: Principal, resource: str) -> list[dict]:
    views = [customer_view(row, principal) for row in rows]
    shown = [row.id for row in rows if can_see_personal_data(principal, owner=row.owner_rep_id)]
    if shown:
        audit_read(resource, {"customers": shown})
    return views


_CUSTOMER_COLUMNS = (
    "id", "name", "company", "category", "abc_class", "classified_at", "industry", "region", "team",
    "owner_rep_id", "birthday", "customer_since", "accepts_greetings",
)


# -- interactions --------------------------------------------------------------------------------


class _MaskedText:
    """A row seen through masking: its free-text attributes with contact data masked."""

    def __init__(self, row, texts: tuple[str, ...], nested: dict[str, tuple[str, ...]] | None = None):
        self._row, self._texts, self._nested = row, texts, nested or {}

    def __getattr__(self, name: str):
        value = getattr(self._row, name)
        if name in self._texts:
            return mask_contacts(value)
        if name in self._nested:
            return [_MaskedText(item, self._nested[name]) for item in value]
        return value


def shown_interaction(row, principal: Principal):
    """The agent who logged it and those allowed personal data read the transcript as
    written; everyone else (ops, other agents' leaders without the right) reads it with
    the e-mail addresses and phone numbers in it masked, hits and excerpts included."""
    if can_see_personal_data(principal, owner=row.agent_id):
        return row
    return _MaskedText(row, ("content", "customer_feedback"), {"violations": ("matched", "excerpt")})
