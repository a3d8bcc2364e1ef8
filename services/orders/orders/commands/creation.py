"""Orders come from three places: a signed contract, the storefront, a phone call.

Each source has its business key (contract id, storefront order id, the
client's Idempotency-Key): the same key twice makes one order.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from salesloop.fx import UnknownRate, rate_for
from salesloop.new_rows import NewRows
from salesloop.uow import UnitOfWork
from salesloop.web.auth import Principal, ensure_within_scope

from orders.commands.common import publish_order_event
from orders.config import OrdersConfig
from orders.repository import plain
from orders.domain.currency import currency_problem
from orders.domain.errors import InvalidInput, NotAllowed
from orders.domain.items import OrderItem
from orders.domain.order import (
    Customer,
    Order,
    OrderDraft,
    OrderSource,
    PaymentTerms,
    ShippingAddress,
    customer_errors,
)
from orders.domain.plan import default_plan
from orders.domain.storefront import map_storefront_order
from orders.models import OrderRecord
from orders.repository import OrderContext, OrderRepository, new_id, utcnow

SYSTEM_DEALS = "system:deals"
SYSTEM_STOREFRONT = "system:storefront"


def place_phone_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal, data: dict,
                      request_key: str | None = None) -> tuple[OrderRecord, bool]:
    """A phone order entered by hand; returns (order, created). A repeated Idempotency-Key returns the first."""
    repo = OrderRepository(uow.session, config)
    if request_key and (existing := repo.find_by(request_key=request_key)) is not None:
        return existing, False
    at = utcnow()
    placed_at = data.get("placed_at") or at
    customer = data["customer"]
    draft = OrderDraft(
        source=OrderSource.PHONE, source_ref=None,
        customer=Customer(customer["id"], customer["name"], customer.get("phone"), customer.get("email")),
        items=tuple(OrderItem(**item) for item in data["items"]), currency=data["currency"],
        fx_rate=company_rate(uow, config, data["currency"], placed_at), delivery_date=data["delivery_date"],
        placed_at=placed_at, payment_terms=PaymentTerms.parse(data["payment_terms"]),
        shipping_address=ShippingAddress(**data["shipping_address"]), notes=data.get("notes") or "",
    )
    context = OrderContext(**_owner(principal, data), request_key=request_key,
                           contact_name=customer.get("contact_name"))
    return create_order(uow, config, draft, context, by=principal.user, at=at), True


def _owner(principal: Principal, data: dict) -> dict:
    """The caller by default; only someone who sees beyond their own orders enters one for another rep."""
    rep_id = data.get("rep_id") or principal.user
    if rep_id != principal.user and principal.scope == "own":
        raise NotAllowed("a rep enters orders for themselves; ask a supervisor to enter one for a colleague")
    owner = {"rep_id": rep_id, "team": data.get("team") or principal.team,
             "region": data.get("region") or principal.region}
    ensure_within_scope(principal, owner["rep_id"], owner["team"], owner["region"])
    return owner


def create_order_from_contract(uow: UnitOfWork, config: OrdersConfig, data: dict) -> OrderRecord | None:
    """The order for a signed contract, or None when the contract already has one."""
    repo = OrderRepository(uow.session, config)
    if repo.find_by(contract_id=data["contract_id"]) is not None:
        return None
    _check_contract_lines(data["items"], data["currency"])
    contact = data.get("customer_contact") or {}
    draft = OrderDraft(
        source=OrderSource.CONTRACT, source_ref=data["contract_id"],
        customer=_contract_customer(data, contact), items=tuple(_contract_item(line) for line in data["items"]),
        currency=data["currency"], fx_rate=data["fx_rate"], delivery_date=data["delivery_date"],
        placed_at=data["signed_at"], sales_rep=data["rep_id"],
    )
    context = OrderContext(
        rep_id=data["rep_id"], team=data.get("team"), region=data.get("region"), contract_id=data["contract_id"],
        deal_id=data.get("deal_id"), contact=contact or None, delivery_address=data.get("delivery_address"),
        delivery_terms=data.get("delivery_terms"), payment_terms=data.get("payment_terms"),
    )
    return create_order(uow, config, draft, context, by=SYSTEM_DEALS, at=utcnow())


def create_order_from_storefront(uow: UnitOfWork, config: OrdersConfig, data: dict,
                                 has_order: Callable[[str], bool | None] | None = None) -> OrderRecord | None:
    """The order for a storefront order, or None when that storefront order already has one.
    ``has_order`` may answer that from what it read for a whole batch (None: it does not know)."""
    storefront_order_id = data["storefront_order_id"]
    known = has_order(storefront_order_id) if has_order is not None else None
    if known is None:
        known = OrderRepository(uow.session, config).find_by(storefront_order_id=storefront_order_id) is not None
    if known:
        return None
    draft = map_storefront_order(data, company_currency=config.company_currency,
                                 fx_rate=_storefront_rate(uow, config, data), settings=config.storefront)
    owner = config.storefront_owner
    context = OrderContext(rep_id=owner.rep_id, team=owner.team, region=owner.region,
                           contact_name=draft.customer.name)
    return create_order(uow, config, draft, context, by=SYSTEM_STOREFRONT, at=utcnow())


def create_order(uow: UnitOfWork, config: OrdersConfig, draft: OrderDraft, context: OrderContext,
                 *, by: str, at: datetime) -> OrderRecord:
    order = Order.create(new_id(), draft, company_currency=config.company_currency, by=by, at=at,
                         calendar=config.calendar)
    plan = default_plan(draft.delivery_date, config.stage_owners, config.lead_times, config.stages)
    record = OrderRepository(uow.session, config).add(order, context, plan, NewRows.of(uow.session))
    publish_order_event(uow, config, record, "orders.order.created", at=at, actor=by)
    return record


def company_rate(uow: UnitOfWork, config: OrdersConfig, currency: str, at: datetime) -> Decimal:
    """The dated rate of ``currency`` to the company currency; a missing rate is a field error."""
    try:
        return plain(rate_for(uow.session, uow.metadata, currency, config.company_currency, at))
    except UnknownRate as missing:
        raise InvalidInput({"currency": [str(missing)]}, "the order cannot be priced") from None


def _storefront_rate(uow: UnitOfWork, config: OrdersConfig, data: dict) -> Decimal | None:
    currency = data.get("currency")
    if currency_problem(currency) is not None:
        return None  # the mapping reports the currency itself
    placed_at = _parse_time(data.get("placed_at")) or utcnow()
    return company_rate(uow, config, currency, placed_at)


def _parse_time(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.utcoffset() is not None else None


def _contract_customer(data: dict, contact: dict) -> Customer:
    # The contract's contact is shown as signed; only well-formed phone and
    # e-mail values take part in the order's own validation.
    candidate = Customer(data["customer_id"], data["customer_name"], contact.get("phone"), contact.get("email"))
    problems = customer_errors(candidate)
    return Customer(candidate.id, candidate.name,
                    None if "phone" in problems else candidate.phone,
                    None if "email" in problems else candidate.email)


def _contract_item(line: dict) -> OrderItem:
    return OrderItem(line["product_code"], line.get("description") or line["product_code"], line["quantity"],
                     line["unit_price"], line.get("unit_cost"), line.get("discount_pct") or Decimal(0),
                     line.get("tax_rate_pct") or Decimal(0))


def _check_contract_lines(lines: list[dict], currency: str) -> None:
    """The order's line nets must be the contract's, or revenue would differ between services."""
    problems = {}
    for index, line in enumerate(lines):
        expected = line.get("line_net")
        if expected is None:
            continue
        try:
            computed = _contract_item(line).line_amount(currency)
        except (TypeError, ArithmeticError):
            continue  # the item's own validation reports it
        if computed != expected:
            problems[f"items.{index}.line_net"] = [
                f"is {expected} but quantity × unit price less the discount is {computed} {currency}"]
    if problems:
        raise InvalidInput(problems, "the contract's lines do not add up")
