"""Order records ⇄ the domain's Order, ExecutionPlan and ChangeRequest.

The domain works on plain objects; this module loads them from the rows,
and writes back what a command changed: the state, the new history entries,
the new versions, the plan's stages, the change request's decision.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from orders.config import OrdersConfig
from orders.domain.changes import ChangeRequest, ChangeStatus, Impact, QuantityChange, RequestedChange
from orders.domain.currency import round_money
from orders.domain.errors import DomainError
from orders.domain.items import OrderItem
from orders.domain.lifecycle import CHANGEABLE_STATES, HistoryEntry, OrderState
from orders.domain.order import Customer, Order, OrderSource, OrderVersion, PaymentTerms, ShippingAddress
from orders.domain.plan import ExecutionPlan, Stage, StageStatus
from orders.models import (
    ChangeRequestRecord,
    OrderLineRecord,
    OrderRecord,
    OrderVersionRecord,
    StageRecord,
    TransitionRecord,
    new_row_id,
)


from salesloop.new_rows import NewRows
from salesloop.web.auth import Principal, can_serve, serving_clause



from sqlalchemy import func




class OrderNotFound(DomainError):
    """No order (or change request) with that id, or not one the caller may see."""


def new_id() -> str:
    return str(uuid.uuid4())


def order_number(prefix: str, placed_on: date, order_id: str) -> str:
    """What people read and say: the day and 12 hex digits of the id. Six digits made
    two orders of one busy day share a number (even odds near 5,000 orders a day); twelve
    keep a clash unlikely at a million a day (the unique constraint still guards it)."""
    return f"{prefix}-{placed_on:%Y%m%d}-{order_id.replace('-', '')[:12].upper()}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class OrderContext:
    """What an order record holds beyond the domain's Order: keys, owner, contact, terms."""

    rep_id: str | None
    team: str | None
    region: str | None
    contract_id: str | None = None
    deal_id: str | None = None
    request_key: str | None = None
    contact_name: str | None = None
    contact: dict | None = None  # the contact as a contract names it; else built from the customer
    delivery_address: str | None = None
    delivery_terms: str | None = None
    payment_terms: str | None = None  # free text from a contract; else the domain's code


class OrderRepository:
    def __init__(self, session: Session, config: OrdersConfig):
        self.session = session
        self.config = config

    # -- finding ---------------------------------------------------------------------
    def find(self, order_id: str, *, lock: bool = False) -> OrderRecord | None:
        """The order with everything a command or the detail view reads: its versions and their
        lines in the same query, its history and its plan one query each (not one per version)."""
        query = select(OrderRecord).where(OrderRecord.id == order_id).options(
            joinedload(OrderRecord.versions).joinedload(OrderVersionRecord.lines),
            selectinload(OrderRecord.history), selectinload(OrderRecord.stages))
        if lock:
            # One command at a time per order (PostgreSQL); the order's row, not its versions'.
            query = query.with_for_update(of=OrderRecord)
        return self.session.scalars(query).unique().one_or_none()

    def get(self, order_id: str, *, lock: bool = False) -> OrderRecord:
        record = self.find(order_id, lock=lock)
        if record is None:
            raise OrderNotFound(f"no order {order_id}")
        return record

    def find_by(self, **key) -> OrderRecord | None:
        """The order with this business key (contract_id, storefront_order_id, request_key)."""
        (column, value), = key.items()
        return self.session.scalars(select(OrderRecord).where(getattr(OrderRecord, column) == value)).first()

    # -- orders ----------------------------------------------------------------------------
    def add(self, order: Order, context: OrderContext, plan: ExecutionPlan, rows: NewRows | None = None) -> OrderRecord:
        """The new order's record with its rows, added to the session or, given ``rows``, to
        the transaction's new rows (inserted without the ORM's flush)."""
        contact = _contact(order.customer, context.contact_name)
        if context.contact is not None:
            contact = {key: context.contact.get(key) for key in ("name", "phone", "email")}
        record = OrderRecord(
            id=order.id, order_number=self._order_number(order), origin=str(order.source),
            contract_id=context.contract_id, deal_id=context.deal_id,
            storefront_order_id=order.source_ref if order.source is OrderSource.STOREFRONT else None,
            request_key=context.request_key, customer_id=order.customer.id, customer_name=order.customer.name,
            customer_contact=contact, rep_id=context.rep_id, team=context.team, region=context.region,
            status=str(order.state), delivery_address=context.delivery_address or _one_line(order.shipping_address),
            shipping_address=_address_data(order.shipping_address), delivery_terms=context.delivery_terms,
            payment_terms=context.payment_terms or (order.payment_terms.code if order.payment_terms else None),
            notes=order.notes or "", placed_at=utc(order.placed_at), created_at=order.history[0].at,
            created_by=order.history[0].by, updated_at=order.history[0].at,
        )
        self._set_totals(record, order)
        versions = [_new_version_record(order.id, version) for version in order.versions]
        history = [_transition_record(i, entry, order_id=order.id) for i, entry in enumerate(order.history)]
        stages = [_stage_record(i, stage, order_id=order.id) for i, stage in enumerate(plan.stages)]
        # Not flushed here: the ids are ours, so the rows wait for the commit (or the next
        # query's autoflush), and a worker's batch of orders goes out in one executemany per table.
        _show_children(record, versions=versions, history=history, stages=stages)
        if rows is not None:
            rows.add(record)
        else:
            self.session.add(record)  # its save-update cascade adds the rows shown on its collections
        return record

    def order(self, record: OrderRecord) -> Order:
        contact = record.customer_contact or {}
        return Order(
            id=record.id, source=OrderSource(record.origin),
            source_ref=record.contract_id or record.storefront_order_id,
            customer=Customer(record.customer_id, record.customer_name, contact.get("phone"), contact.get("email")),
            placed_at=utc(record.placed_at), versions=[_version(v) for v in record.versions],
            history=[_entry(t) for t in record.history], company_currency=self.config.company_currency,
            state=OrderState(record.status),
            payment_terms=PaymentTerms.parse(record.payment_terms) if record.payment_terms else None,
            shipping_address=ShippingAddress(**record.shipping_address) if record.shipping_address else None,
            sales_rep=record.rep_id, notes=record.notes, calendar=self.config.calendar,
        )

    def save(self, record: OrderRecord, order: Order, plan: ExecutionPlan | None = None) -> None:
        """Writes back what a command did to ``order`` (and its ``plan``)."""
        record.status = str(order.state)
        for position in range(len(record.history), len(order.history)):
            record.history.append(_transition_record(position, order.history[position]))
        for version in order.versions[len(record.versions):]:
            record.versions.append(_version_record(version))
        self._set_totals(record, order)
        if plan is not None:
            self.save_plan(record, plan)
        record.updated_at = utcnow()
        self.session.flush()

    def _set_totals(self, record: OrderRecord, order: Order) -> None:
        current, amounts = order.current, order.current.amounts
        record.version = current.number
        record.currency, record.fx_rate = current.currency, current.fx_rate
        record.total_amount, record.total_cost = amounts.total, amounts.total_cost
        record.tax_amount, record.gross_amount = current.tax, current.amount_due
        record.delivery_date = current.delivery_date

    def _order_number(self, order: Order) -> str:
        return order_number(self.config.number_prefix, self.config.calendar.local_date(order.placed_at), order.id)

    # -- plans ---------------------------------------------------------------------------
    def plan(self, record: OrderRecord) -> ExecutionPlan:
        return ExecutionPlan([_stage(s) for s in record.stages], self.config.calendar)

    def save_plan(self, record: OrderRecord, plan: ExecutionPlan) -> None:
        rows = {row.name: row for row in record.stages}
        for stage in plan.stages:
            row = rows[stage.name]
            row.owner, row.due_date, row.planned_start = stage.owner, stage.due_date, stage.planned_start
            row.status, row.blocked_reason = str(stage.status), stage.blocked_reason
            row.started_at, row.started_by = utc(stage.started_at), stage.started_by
            row.completed_at, row.completed_by = utc(stage.completed_at), stage.completed_by

    # -- change requests -----------------------------------------------------------------------
    def change_record(self, order_id: str, change_id: str) -> ChangeRequestRecord:
        record = self.session.get(ChangeRequestRecord, change_id)
        if record is None or record.order_id != order_id:
            raise OrderNotFound(f"order {order_id} has no change request {change_id}")
        return record

    def changes(self, order_id: str) -> list[ChangeRequestRecord]:
        return list(self.session.scalars(
            select(ChangeRequestRecord).where(ChangeRequestRecord.order_id == order_id)
            .order_by(ChangeRequestRecord.requested_at)))

    def add_change(self, change: ChangeRequest, impact: Impact) -> ChangeRequestRecord:
        record = ChangeRequestRecord(
            id=change.id, order_id=change.order_id, base_version=change.base_version, reason=change.change.reason,
            requested=requested_data(change.change), requested_by=change.requested_by,
            requested_at=utc(change.requested_at), status=str(change.status), impact=impact_data(impact),
        )
        self.session.add(record)
        self.session.flush()
        return record

    def change(self, record: ChangeRequestRecord) -> ChangeRequest:
        return ChangeRequest(
            id=record.id, order_id=record.order_id, base_version=record.base_version,
            change=requested_change(record.reason, record.requested), requested_by=record.requested_by,
            requested_at=utc(record.requested_at), status=ChangeStatus(record.status),
            impact=impact_from(record.impact) if record.status in ("approved", "applied") else None,
            decided_by=record.decided_by, decided_at=utc(record.decided_at), decision_note=record.decision_note,
            applied_at=utc(record.applied_at), applied_version=record.applied_version,
        )

    def save_change(self, record: ChangeRequestRecord, change: ChangeRequest) -> None:
        record.status = str(change.status)
        if change.impact is not None:
            record.impact = impact_data(change.impact)
        record.decided_by, record.decided_at = change.decided_by, utc(change.decided_at)
        record.decision_note = change.decision_note
        record.applied_at, record.applied_version = utc(change.applied_at), change.applied_version
        self.session.flush()


# -- rows ⇄ values -------------------------------------------------------------------------------
# New rows get their ids here (not from the column default at flush): with every primary
# key known up front, the flush writes each table with an executemany and no RETURNING.
def _version_record(version: OrderVersion) -> OrderVersionRecord:
    """A version appended to a loaded order: the relationships link its rows at flush."""
    record = _version_row(version)
    record.lines = _line_records(version)
    return record


def _new_version_record(order_id: str, version: OrderVersion) -> OrderVersionRecord:
    """A new order's version with its lines, their foreign keys set here (see _show_children)."""
    record = _version_row(version, order_id=order_id)
    lines = _line_records(version, version_id=record.id)
    set_committed_value(record, "lines", lines)
    return record


def _version_row(version: OrderVersion, order_id: str | None = None) -> OrderVersionRecord:
    amounts = version.amounts
    return OrderVersionRecord(
        id=new_row_id(), order_id=order_id, number=version.number, currency=version.currency,
        fx_rate=version.fx_rate, delivery_date=version.delivery_date, total_amount=amounts.total,
        total_cost=amounts.total_cost, tax_amount=version.tax, created_at=utc(version.created_at),
        created_by=version.created_by, change_id=version.change_id,
    )


def _line_records(version: OrderVersion, version_id: str | None = None) -> list[OrderLineRecord]:
    return [_line_record(position, item, version.currency, version_id)
            for position, item in enumerate(version.items)]


def _line_record(position: int, item: OrderItem, currency: str, version_id: str | None) -> OrderLineRecord:
    return OrderLineRecord(
        id=new_row_id(), version_id=version_id, position=position, product_code=item.product_code,
        description=item.description, quantity=item.quantity, unit_price=item.unit_price, unit_cost=item.unit_cost,
        discount_pct=item.discount_pct, tax_rate_pct=item.tax_rate_pct,
        amount=item.line_amount(currency), tax_amount=item.line_tax(currency),
    )


def _show_children(record: OrderRecord, **children: list) -> None:
    """A new order's rows, each with its foreign key already set, shown on the order's
    collections as already loaded. The relationships' bookkeeping (events for every row
    put in a collection, each collection's history at flush) cost more than building the
    rows, and has nothing to link here. Adding the order to the session then adds them by
    cascade; the mappers' order still inserts orders before versions before lines."""
    for name, rows in children.items():
        set_committed_value(record, name, rows)


def _version(record: OrderVersionRecord) -> OrderVersion:
    return OrderVersion(
        number=record.number, items=tuple(item_from(line) for line in record.lines), currency=record.currency,
        fx_rate=plain(record.fx_rate), delivery_date=record.delivery_date, created_at=utc(record.created_at),
        created_by=record.created_by, change_id=record.change_id,
    )


def item_from(line: OrderLineRecord) -> OrderItem:
    return OrderItem(line.product_code, line.description, plain(line.quantity), plain(line.unit_price),
                     plain(line.unit_cost), plain(line.discount_pct), plain(line.tax_rate_pct))


def _transition_record(position: int, entry: HistoryEntry, order_id: str | None = None) -> TransitionRecord:
    return TransitionRecord(
        id=new_row_id(), order_id=order_id, position=position,
        from_state=None if entry.from_state is None else str(entry.from_state), to_state=str(entry.to_state), by=entry.by, at=utc(entry.at), details=json_safe(dict(entry.details)),
    )


def _entry(record: TransitionRecord) -> HistoryEntry:
    return HistoryEntry(
        from_state=None if record.from_state is None else OrderState(record.from_state),
        to_state=OrderState(record.to_state), by=record.by, at=utc(record.at),
        details=MappingProxyType(dict(record.details or {})),
    )


def _stage_record(position: int, stage: Stage, order_id: str | None = None) -> StageRecord:
    return StageRecord(id=new_row_id(), order_id=order_id, position=position, name=stage.name, owner=stage.owner,
                       due_date=stage.due_date, planned_start=stage.planned_start, status=str(stage.status))


def _stage(record: StageRecord) -> Stage:
    return Stage(
        name=record.name, owner=record.owner, due_date=record.due_date, planned_start=record.planned_start,
        status=StageStatus(record.status), started_at=utc(record.started_at), started_by=record.started_by,
        completed_at=utc(record.completed_at), completed_by=record.completed_by,
        blocked_reason=record.blocked_reason,
    )


def _contact(customer: Customer, name: str | None) -> dict | None:
    if not (name or customer.phone or customer.email):
        return None
    return {"name": name, "phone": customer.phone, "email": customer.email}


def _address_data(address: ShippingAddress | None) -> dict | None:
    if address is None:
        return None
    return {name: getattr(address, name) for name in
            ("line1", "line2", "city", "region", "postal_code", "country", "recipient")}


def _one_line(address: ShippingAddress | None) -> str | None:
    if address is None:
        return None
    parts = (address.recipient, address.line1, address.line2, address.postal_code, address.city,
             address.region, address.country)
    return ", ".join(part for part in parts if part)


def json_safe(value):
    """Decimals, dates and enums as JSON text, recursively."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _decimal(text) -> Decimal | None:
    return None if text is None else Decimal(text)


def _date(text) -> date | None:
    return None if text is None else date.fromisoformat(text)


def item_data(item: OrderItem) -> dict:
    return json_safe({"product_code": item.product_code, "description": item.description,
                      "quantity": item.quantity, "unit_price": item.unit_price, "unit_cost": item.unit_cost,
                      "discount_pct": item.discount_pct, "tax_rate_pct": item.tax_rate_pct})


def item_from_data(data: dict) -> OrderItem:
    return OrderItem(data["product_code"], data["description"], Decimal(data["quantity"]),
                     Decimal(data["unit_price"]), _decimal(data.get("unit_cost")),
                     Decimal(data.get("discount_pct") or 0), Decimal(data.get("tax_rate_pct") or 0))


def requested_data(change: RequestedChange) -> dict:
    return json_safe({
        "quantity_changes": [{"product_code": q.product_code, "quantity": q.quantity} for q in change.quantity_changes],
        "added_items": [item_data(item) for item in change.added_items],
        "removed_items": list(change.removed_items),
        "new_delivery_date": change.new_delivery_date,
    })


def requested_change(reason: str, data: dict) -> RequestedChange:
    return RequestedChange(
        reason=reason,
        quantity_changes=tuple(QuantityChange(q["product_code"], Decimal(q["quantity"]))
                               for q in data.get("quantity_changes", [])),
        added_items=tuple(item_from_data(item) for item in data.get("added_items", [])),
        removed_items=tuple(data.get("removed_items", [])),
        new_delivery_date=_date(data.get("new_delivery_date")),
    )


IMPACT_DECIMALS = ("delta_amount", "delta_cost", "new_total", "new_total_cost", "new_gross_profit")
IMPACT_DATES = ("current_delivery_date", "new_delivery_date", "earliest_feasible_date")


def impact_data(impact: Impact) -> dict:
    return json_safe({name: getattr(impact, name) for name in Impact.__dataclass_fields__})


def impact_from(data: dict) -> Impact:
    values = dict(data)
    for name in IMPACT_DECIMALS:
        values[name] = _decimal(values.get(name))
    for name in IMPACT_DATES:
        values[name] = _date(values.get(name))
    return Impact(**values)


def money(value, currency: str) -> Decimal | None:
    """A money column read back, rounded to the currency's minor unit."""
    return None if value is None else round_money(Decimal(value), currency)


# -- canonical forms of values read back ---------------------------------------------------------------------------
# Numeric columns return Decimals padded to the column's scale (``10.000000``)
# and SQLite returns naive datetimes; everything the service shows or publishes
# goes through these, so the same order reads the same on SQLite and PostgreSQL.

def plain(value) -> Decimal | None:
    """``10.000000`` → ``10``, ``19.900000`` → ``19.9``; None stays None."""
    if value is None:
        return None
    normalized = Decimal(value).normalize()
    if normalized == normalized.to_integral_value():
        return normalized.quantize(Decimal(1))
    return normalized


def utc(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime; a naive one (SQLite) is UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


# -- who sees which order ------------------------------------------------------------------------------------------
# The shared scopes, with customer care as for every customer-facing record: a rep sees their own orders, a
# supervisor the team's, a manager the region's, ops, directors and admins all; a customer-care agent the orders
# of their own region (personal data stays masked for them).

def can_see_order(principal: Principal, record: OrderRecord) -> bool:
    return can_serve(principal, record.rep_id, record.team, record.region)


def visible_orders(principal: Principal):
    """A WHERE clause selecting the orders ``principal`` may see."""
    return serving_clause(principal, OrderRecord.rep_id, OrderRecord.team, OrderRecord.region)


# -- lists with filters, sorting and paging, always within what the caller may see ---------------------------------

# The states in which an order's plan still runs (its stages can fall overdue).
OPEN_STATES = tuple(str(state) for state in CHANGEABLE_STATES)
EXACT_FILTERS = ("status", "origin", "customer_id", "contract_id", "storefront_order_id", "rep_id", "team", "region")


def list_orders(session: Session, principal: Principal, filters: dict, first: int, count: int
                ) -> tuple[list[OrderRecord], int]:
    """One page of the orders ``principal`` sees, and how many there are in all."""
    conditions = [visible_orders(principal)]
    for name in EXACT_FILTERS:
        if filters.get(name) is not None:
            conditions.append(getattr(OrderRecord, name) == filters[name])
    if filters.get("placed_from") is not None:
        conditions.append(OrderRecord.placed_at >= utc(filters["placed_from"]))
    if filters.get("placed_to") is not None:
        conditions.append(OrderRecord.placed_at < utc(filters["placed_to"]))
    total = session.scalar(select(func.count()).select_from(OrderRecord).where(*conditions))
    sort = filters.get("sort") or "-placed_at"
    column = getattr(OrderRecord, sort.lstrip("-"))
    ordering = column.desc() if sort.startswith("-") else column.asc()
    rows = session.scalars(select(OrderRecord).where(*conditions).order_by(ordering, OrderRecord.id)
                           .offset(first).limit(count)).all()
    return list(rows), total


def overdue_stages(session: Session, principal: Principal, config: OrdersConfig, now: datetime,
                   filters: dict) -> list[tuple[StageRecord, OrderRecord]]:
    today = config.calendar.local_date(now)
    conditions = [visible_orders(principal), StageRecord.status != "done", StageRecord.due_date < today,
                  OrderRecord.status.in_(OPEN_STATES)]
    if filters.get("owner"):
        conditions.append(StageRecord.owner == filters["owner"])
    if filters.get("stage"):
        conditions.append(StageRecord.name == filters["stage"])
    query = (select(StageRecord, OrderRecord).join(OrderRecord, StageRecord.order_id == OrderRecord.id)
             .where(*conditions).order_by(StageRecord.due_date, OrderRecord.order_number).limit(1000))
    return [(stage, order) for stage, order in session.execute(query).all()]
