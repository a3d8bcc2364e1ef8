"""Our copy of the customers, and the care tasks scheduled from it."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select

from salesloop.web.auth import Principal

from service_desk import events as ev
from service_desk.commands.common import new_id, utcnow, visible_row, when
from service_desk.config import DeskConfig
from service_desk.domain.care import Birthday, CareCustomer, CareKind, CustomerClass, ExistingCareTask, due_tasks
from service_desk.domain.errors import IllegalTransition
from service_desk.models import CareTaskRow, CustomerRow

CUSTOMER_FIELDS = ("name", "company", "category", "industry", "region", "team", "owner_rep_id", "birthday")


# -- the customer copy ---------------------------------------------------------------------------


def upsert_customer(uow, data: dict) -> CustomerRow:
    """leads.customer.upserted; an older copy than ours changes nothing."""
    row = _customer(uow, data["customer_id"], data.get("updated_at"))
    updated_at = data.get("updated_at")
    if row.source_updated_at and updated_at and updated_at < row.source_updated_at:
        return row
    for key in CUSTOMER_FIELDS:
        if key in data:
            setattr(row, key, data[key])
    if "contact" in data:
        contact = data["contact"] or {}
        row.contact_name, row.contact_phone, row.contact_email = (contact.get("name"), contact.get("phone"),
                                                                 contact.get("email"))
    if data.get("abc_class") and row.classified_at is None:  # kpi's classification wins over an echo
        row.abc_class = data["abc_class"]
    row.source_updated_at = updated_at or row.source_updated_at
    return row


def classify_customer(uow, data: dict) -> CustomerRow:
    """kpi.customer.classified; an older classification than ours changes nothing."""
    row = _customer(uow, data["customer_id"], data.get("as_of"))
    as_of = data.get("as_of") or utcnow()
    if row.classified_at is None or as_of >= row.classified_at:
        row.abc_class, row.classified_at = data["abc_class"], as_of
    return row


def note_delivery_customer(uow, data: dict) -> None:
    """A delivered order may name a customer we have not heard of (a storefront buyer): keep a stub."""
    row = _customer(uow, data["customer_id"], data.get("delivered_at"))
    if row.name is None:
        row.name = data.get("customer_name")
    contact = data.get("customer_contact") or {}
    if row.contact_phone is None and row.contact_email is None and contact:
        row.contact_name, row.contact_phone, row.contact_email = (contact.get("name"), contact.get("phone"),
                                                                 contact.get("email"))
    for key in ("team", "region"):
        if getattr(row, key) is None and data.get(key):
            setattr(row, key, data[key])
    if row.owner_rep_id is None:
        row.owner_rep_id = data.get("rep_id")


def set_greetings(uow, principal: Principal, customer_id: str, data: dict) -> CustomerRow:
    row = visible_row(uow, principal, CustomerRow, customer_id, "customer", owner="owner_rep_id")
    row.accepts_greetings = data["accepts_greetings"]
    return row


def _customer(uow, customer_id: str, seen_at: datetime | None) -> CustomerRow:
    row = uow.session.get(CustomerRow, customer_id)
    if row is None:
        now = utcnow()
        row = CustomerRow(id=customer_id, created_at=now, accepts_greetings=True,
                          customer_since=(seen_at or now).date())
        uow.add(row)
    return row


# -- care tasks --------------------------------------------------------------------------------------


def schedule_care(uow, desk: DeskConfig, now: datetime) -> int:
    """Create the care tasks due today (each once) and announce them."""
    today = now.astimezone(desk.zone).date()
    customers = {row.id: row for row in uow.session.execute(select(CustomerRow)).scalars()}
    existing = _existing_tasks(uow, today, desk)
    tasks = due_tasks((_care_customer(row) for row in customers.values()), existing, today, desk.care_plan)
    for task in tasks:
        customer = customers[task.customer_id]
        row = CareTaskRow(id=new_id(), customer_id=task.customer_id, kind=str(task.kind), due_on=task.due_on,
                          occasion=task.occasion, abc_class=customer.abc_class, agent_id=task.assignee,
                          team=customer.team, region=customer.region, status="open", created_at=now)
        uow.add(row)
        uow.publish(ev.CARE_TASK_DUE, ev.care_task_payload(row), subject=row.id)
    uow.flush()
    return len(tasks)


def complete_task(uow, desk: DeskConfig, principal: Principal, task_id: str, data: dict) -> CareTaskRow:
    row = visible_row(uow, principal, CareTaskRow, task_id, "care task")
    if row.status != "open":
        raise IllegalTransition(f"care task {task_id} is {row.status}")
    row.completed_at = when(data, "completed_at", utcnow())
    row.completed_on = row.completed_at.astimezone(desk.zone).date()  # the next visit counts from this day
    row.status, row.notes, row.completed_by = "done", data.get("notes"), principal.user
    uow.publish(ev.CARE_TASK_COMPLETED, {**ev.care_task_payload(row), "completed_at": row.completed_at,
                                         "completed_by": principal.user}, subject=row.id)
    return row


def _care_customer(row: CustomerRow) -> CareCustomer:
    return CareCustomer(
        id=row.id,
        customer_class=CustomerClass(row.abc_class) if row.abc_class else None,
        customer_since=row.customer_since,
        birthday=Birthday(row.birthday.month, row.birthday.day) if row.birthday else None,
        accepts_greetings=row.accepts_greetings,
        owner_id=row.owner_rep_id,
    )


def _existing_tasks(uow, today: date, desk: DeskConfig) -> list[ExistingCareTask]:
    """What due_tasks needs to know: open visits, each customer's last visit, recent greetings."""
    visits = CareTaskRow.kind == str(CareKind.RETURN_VISIT)
    last_done = (select(CareTaskRow.customer_id, func.max(CareTaskRow.completed_on).label("last"))
                 .where(visits, CareTaskRow.status == "done").group_by(CareTaskRow.customer_id).subquery())
    window_start = today - timedelta(days=desk.care_plan.greeting_lead_days + 1)
    rows = uow.session.execute(
        select(CareTaskRow).outerjoin(last_done, last_done.c.customer_id == CareTaskRow.customer_id).where(or_(
            visits & (CareTaskRow.status == "open"),
            visits & (CareTaskRow.completed_on == last_done.c.last),
            ~visits & (CareTaskRow.due_on >= window_start),
        ))
    ).scalars()
    return [ExistingCareTask(r.customer_id, CareKind(r.kind), r.due_on, r.completed_on) for r in rows]
