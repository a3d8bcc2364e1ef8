import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.domain.changes import (
    ChangeStatus,
    Impact,
    QuantityChange,
    RequestedChange,
    apply_change,
    approve_change,
    assess,
    changed_items,
    reject_change,
    request_change,
    validate_change,
)
from orders.domain.errors import IllegalTransition, InvalidInput, NotAllowed, RuleViolation
from orders.domain.items import OrderItem
from orders.domain.order import Customer, Order, OrderDraft, OrderSource
from orders.domain.plan import DEFAULT_LEAD_TIMES, LeadTimes

PLACED = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
REQUESTED = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
DECIDED = datetime(2024, 7, 1, 15, 0, tzinfo=UTC)
TEA_PRESS = OrderItem("A", "Tea press", Decimal("3"), Decimal("19.99"), Decimal("12.50"))  # 59.97 / 37.50
CUPS = OrderItem("B", "Tea cups (6)", Decimal("2"), Decimal("5.00"), Decimal("3.333"))  # 10.00 / 6.67
KETTLE = OrderItem("K", "Kettle", Decimal("1"), Decimal("45.50"), Decimal("30.25"))


def new_order():
    draft = OrderDraft(
        source=OrderSource.PHONE, source_ref=None, customer=Customer("cust-9", "Hangzhou Tea Co."),
        items=(TEA_PRESS, CUPS), currency="USD", fx_rate=Decimal("7.1234"),
        delivery_date=date(2024, 7, 31), placed_at=PLACED,
    )
    return Order.create("ord-1", draft, company_currency="CNY", by="rep-17", at=PLACED)


def ask(order, change_id="chg-1", by="rep-17", **change):
    return request_change(order, change_id, RequestedChange(reason="customer asked", **change), by, REQUESTED)


def approved(order, change):
    impact = assess(order, change, DEFAULT_LEAD_TIMES)
    return approve_change(order, change, impact, "mgr-1", ["manager"], DECIDED)


# --- assessment -------------------------------------------------------------

def test_raising_a_quantity_within_the_lead_time():
    order = new_order()
    change = ask(order, quantity_changes=(QuantityChange("A", Decimal("5")),))

    impact = assess(order, change, DEFAULT_LEAD_TIMES)

    # +2 x 19.99 = 39.98; cost +2 x 12.50 = 25.00; 1 July + 20 days = 21 July < 31 July.
    assert impact == Impact(
        change_id="chg-1", base_version=1, currency="USD",
        delta_amount=Decimal("39.98"), delta_cost=Decimal("25.00"),
        new_total=Decimal("109.95"), new_total_cost=Decimal("69.17"), new_gross_profit=Decimal("40.78"),
        current_delivery_date=date(2024, 7, 31), new_delivery_date=date(2024, 7, 31), days_late=0,
        earliest_feasible_date=date(2024, 7, 21), requested_date_feasible=True,
    )


def test_more_goods_than_the_lead_time_allows_make_the_order_late():
    order = new_order()
    change = ask(order, added_items=(KETTLE,))
    slow = LeadTimes({"purchasing": 10, "production": 30, "packing": 5, "shipping": 5})

    impact = assess(order, change, slow)

    # 1 July + 50 days = 20 August, 20 days after the promised 31 July.
    assert (impact.earliest_feasible_date, impact.new_delivery_date, impact.days_late) == (
        date(2024, 8, 20), date(2024, 8, 20), 20
    )
    assert (impact.delta_amount, impact.delta_cost, impact.new_total) == (
        Decimal("45.50"), Decimal("30.25"), Decimal("115.47")
    )


def test_an_earlier_date_that_cannot_be_met_is_moved_to_the_earliest_feasible():
    order = new_order()
    change = ask(order, added_items=(KETTLE,), new_delivery_date=date(2024, 7, 10))

    impact = assess(order, change, DEFAULT_LEAD_TIMES)

    assert impact.new_delivery_date == date(2024, 7, 21)
    assert impact.requested_date_feasible is False
    assert impact.days_late == 0  # still before the original promise


def test_lowering_a_quantity_needs_no_new_goods_and_a_later_date_counts_as_late():
    order = new_order()
    change = ask(order, quantity_changes=(QuantityChange("A", Decimal("1")),), new_delivery_date=date(2024, 8, 5))

    impact = assess(order, change, DEFAULT_LEAD_TIMES)

    assert (impact.delta_amount, impact.delta_cost) == (Decimal("-39.98"), Decimal("-25.00"))
    assert (impact.earliest_feasible_date, impact.new_delivery_date, impact.days_late) == (
        None, date(2024, 8, 5), 5
    )
    assert impact.requested_date_feasible is True


def test_removing_an_item():
    order = new_order()
    impact = assess(order, ask(order, removed_items=("B",)), DEFAULT_LEAD_TIMES)

    assert (impact.delta_amount, impact.delta_cost, impact.new_total) == (
        Decimal("-10.00"), Decimal("-6.67"), Decimal("59.97")
    )


def test_adding_an_item_of_unknown_cost_leaves_the_cost_delta_unknown():
    order = new_order()
    sample = OrderItem("S", "Sample tin", Decimal("4"), Decimal("2.25"))
    impact = assess(order, ask(order, added_items=(sample,)), DEFAULT_LEAD_TIMES)

    assert impact.delta_amount == Decimal("9.00")
    assert (impact.delta_cost, impact.new_total_cost, impact.new_gross_profit) == (None, None, None)
    assert impact.cost_note == "cost unknown for S: total cost and gross profit cannot be computed"


def test_assessment_can_be_made_as_of_another_day_and_in_working_days():
    order = new_order()
    change = ask(order, added_items=(KETTLE,))
    working_days = LeadTimes(DEFAULT_LEAD_TIMES.days, replace(DEFAULT_LEAD_TIMES.calendar, weekend=frozenset({5, 6})))

    impact = assess(order, change, working_days, as_of=date(2024, 7, 8))

    # Monday 8 July + 20 working days = Monday 5 August.
    assert (impact.new_delivery_date, impact.days_late) == (date(2024, 8, 5), 5)


def test_changed_items_keep_order_and_prices():
    order = new_order()
    change = RequestedChange(
        reason="r", quantity_changes=(QuantityChange("B", Decimal("7")),), removed_items=("A",), added_items=(KETTLE,)
    )

    assert changed_items(order.current, change) == (
        OrderItem("B", "Tea cups (6)", Decimal("7"), Decimal("5.00"), Decimal("3.333")),
        KETTLE,
    )


# --- validation of a request ------------------------------------------------

def test_a_change_must_ask_for_something_and_say_why():
    assert validate_change(new_order().current, RequestedChange(reason=""), date(2024, 7, 1)) == {
        "reason": ["must not be blank"],
        "change": ["asks for nothing: change a quantity, add or remove an item, or move the delivery date"],
    }


def test_change_validation_reports_each_field():
    change = RequestedChange(
        reason="r",
        quantity_changes=(
            QuantityChange("Z", Decimal("1")),
            QuantityChange("A", Decimal("0")),
            QuantityChange("B", Decimal("2")),
        ),
        added_items=(replace(KETTLE, product_code="A"), replace(KETTLE, quantity=Decimal("-1"))),
        removed_items=("Q",),
        new_delivery_date=date(2024, 6, 30),
    )

    assert validate_change(new_order().current, change, date(2024, 7, 1)) == {
        "removed_items.0": ["Q is not on the order"],
        "quantity_changes.0.product_code": ["Z is not on the order"],
        "quantity_changes.1.quantity": ["must be greater than 0; remove the item instead"],
        "quantity_changes.2.quantity": ["is already the ordered quantity"],
        "added_items.0.product_code": ["A is already on the order; change its quantity instead"],
        "added_items.1.quantity": ["must be greater than 0"],
        "new_delivery_date": ["must not be in the past"],
    }


def test_a_change_cannot_empty_the_order():
    change = RequestedChange(reason="r", removed_items=("A", "B"))

    assert validate_change(new_order().current, change, date(2024, 7, 1)) == {
        "removed_items": ["would leave the order without items; cancel the order instead"]
    }


def test_a_removed_item_may_come_back_at_a_new_price():
    cheaper = replace(TEA_PRESS, unit_price=Decimal("18"))
    change = RequestedChange(reason="r", removed_items=("A",), added_items=(cheaper,))

    assert validate_change(new_order().current, change, date(2024, 7, 1)) == {}


def test_requesting_an_invalid_change_raises_with_field_errors():
    with pytest.raises(InvalidInput) as refused:
        ask(new_order(), new_delivery_date=date(2024, 7, 31))

    assert refused.value.errors == {"new_delivery_date": ["is already the delivery date"]}


def test_a_request_records_its_base_version():
    change = ask(new_order(), removed_items=("B",))

    assert (change.status, change.base_version, change.requested_by, change.order_id) == (
        ChangeStatus.REQUESTED, 1, "rep-17", "ord-1"
    )


# --- approval ---------------------------------------------------------------

@pytest.mark.parametrize("role", ["manager", "director", "admin"])
def test_manager_like_roles_approve(role):
    order = new_order()
    change = ask(order, removed_items=("B",))
    impact = assess(order, change, DEFAULT_LEAD_TIMES)

    approve_change(order, change, impact, "boss-1", ["rep", role], DECIDED, note="fine")

    assert (change.status, change.decided_by, change.decided_at, change.decision_note, change.impact) == (
        ChangeStatus.APPROVED, "boss-1", DECIDED, "fine", impact
    )


@pytest.mark.parametrize("roles", [["rep"], ["supervisor", "ops"], []])
def test_other_roles_cannot_approve(roles):
    order = new_order()
    change = ask(order, removed_items=("B",))

    with pytest.raises(NotAllowed) as refused:
        approve_change(order, change, assess(order, change, DEFAULT_LEAD_TIMES), "u2", roles, DECIDED)

    assert refused.value.message == "only admin, director, manager may decide on a change request"
    assert change.status is ChangeStatus.REQUESTED


def test_the_requester_cannot_approve_their_own_change():
    order = new_order()
    change = ask(order, by="mgr-1", removed_items=("B",))

    with pytest.raises(NotAllowed) as refused:
        approve_change(order, change, assess(order, change, DEFAULT_LEAD_TIMES), "mgr-1", ["manager"], DECIDED)

    assert refused.value.message == "the requester cannot decide on their own change request"


def test_the_approver_roles_are_configurable():
    order = new_order()
    change = ask(order, removed_items=("B",))

    approve_change(order, change, assess(order, change, DEFAULT_LEAD_TIMES), "sup-1", ["supervisor"], DECIDED,
                   approver_roles=frozenset({"supervisor"}))

    assert change.status is ChangeStatus.APPROVED


def test_reject_needs_a_reason_and_the_same_rights():
    order = new_order()
    change = ask(order, removed_items=("B",))

    with pytest.raises(InvalidInput):
        reject_change(change, "mgr-1", ["manager"], DECIDED, reason="")
    with pytest.raises(NotAllowed):
        reject_change(change, "rep-17", ["manager"], DECIDED, reason="no")

    reject_change(change, "mgr-1", ["manager"], DECIDED, reason="stock already allocated")
    assert (change.status, change.decision_note) == (ChangeStatus.REJECTED, "stock already allocated")


def test_a_decision_is_final():
    order = new_order()
    change = approved(order, ask(order, removed_items=("B",)))

    with pytest.raises(IllegalTransition) as refused:
        reject_change(change, "mgr-2", ["manager"], DECIDED, reason="changed my mind")

    assert refused.value.message == "change request chg-1 cannot go from approved to rejected; allowed: applied"


def test_approval_needs_the_impact_of_this_change():
    order = new_order()
    first = ask(order, removed_items=("B",))
    second = ask(order, "chg-2", added_items=(KETTLE,))

    with pytest.raises(RuleViolation):
        approve_change(order, second, assess(order, first, DEFAULT_LEAD_TIMES), "mgr-1", ["manager"], DECIDED)


# --- applying and versioning ------------------------------------------------

def test_applying_creates_version_two_and_keeps_version_one_byte_for_byte():
    order = new_order()
    version_one = order.current
    before = json.dumps(version_one.snapshot(), sort_keys=True).encode()
    change = approved(order, ask(order, quantity_changes=(QuantityChange("A", Decimal("5")),), added_items=(KETTLE,)))

    version_two = apply_change(order, change, "ops-1", DECIDED)

    assert order.versions == [version_one, version_two]
    assert order.versions[0] is version_one
    assert json.dumps(order.version(1).snapshot(), sort_keys=True).encode() == before
    assert order.version(1).amounts.total == Decimal("69.97")
    assert (version_two.number, version_two.change_id, version_two.created_by) == (2, "chg-1", "ops-1")
    assert version_two.amounts.total == Decimal("155.45")  # 99.95 + 10.00 + 45.50
    assert version_two.fx_rate == Decimal("7.1234")
    assert (change.status, change.applied_version, change.applied_at) == (ChangeStatus.APPLIED, 2, DECIDED)


def test_the_new_version_takes_the_delivery_date_the_approver_accepted():
    order = new_order()
    slow = LeadTimes({"purchasing": 10, "production": 30, "packing": 5, "shipping": 5})
    change = ask(order, added_items=(KETTLE,))
    approve_change(order, change, assess(order, change, slow), "mgr-1", ["manager"], DECIDED)

    assert apply_change(order, change, "ops-1", DECIDED).delivery_date == date(2024, 8, 20)


def test_applying_may_record_todays_rate():
    order = new_order()
    change = approved(order, ask(order, removed_items=("B",)))

    version_two = apply_change(order, change, "ops-1", DECIDED, fx_rate=Decimal("7.2000"))

    assert (order.version(1).fx_rate, version_two.fx_rate) == (Decimal("7.1234"), Decimal("7.2000"))


def test_an_invalid_rate_is_refused_when_applying():
    order = new_order()
    change = approved(order, ask(order, removed_items=("B",)))

    with pytest.raises(InvalidInput) as refused:
        apply_change(order, change, "ops-1", DECIDED, fx_rate=Decimal("0"))

    assert refused.value.errors == {"fx_rate": ["must be greater than 0"]}
    assert len(order.versions) == 1


def test_only_approved_changes_are_applied():
    order = new_order()
    change = ask(order, removed_items=("B",))

    with pytest.raises(IllegalTransition):
        apply_change(order, change, "ops-1", DECIDED)
    reject_change(change, "mgr-1", ["manager"], DECIDED, reason="no")
    with pytest.raises(IllegalTransition):
        apply_change(order, change, "ops-1", DECIDED)
    assert len(order.versions) == 1


def test_a_change_is_applied_once():
    order = new_order()
    change = approved(order, ask(order, removed_items=("B",)))
    apply_change(order, change, "ops-1", DECIDED)

    with pytest.raises(IllegalTransition):
        apply_change(order, change, "ops-1", DECIDED)


def test_a_change_made_on_an_older_version_must_be_requested_again():
    order = new_order()
    first = ask(order, removed_items=("B",))
    second = ask(order, "chg-2", added_items=(KETTLE,))
    apply_change(order, approved(order, first), "ops-1", DECIDED)

    with pytest.raises(RuleViolation) as refused:
        assess(order, second, DEFAULT_LEAD_TIMES)

    assert refused.value.message == (
        "change request chg-2 was made on version 1 but the order is now at version 2; request it again"
    )


def test_a_change_of_another_order_is_refused():
    order, other = new_order(), new_order()
    other.id = "ord-2"

    with pytest.raises(RuleViolation):
        assess(other, ask(order, removed_items=("B",)), DEFAULT_LEAD_TIMES)


# --- no change once shipped -------------------------------------------------

def ship(order):
    order.move_to("confirmed", "ops-1", DECIDED)
    order.move_to("in_fulfilment", "ops-1", DECIDED)
    order.move_to("shipped", "ops-1", DECIDED, carrier="SF Express", tracking_number="SF1")


@pytest.mark.parametrize("state_steps", [0, 1, 2])
def test_changes_are_accepted_before_shipping(state_steps):
    order = new_order()
    for target in ("confirmed", "in_fulfilment")[:state_steps]:
        order.move_to(target, "ops-1", DECIDED)

    assert ask(order, removed_items=("B",)).status is ChangeStatus.REQUESTED


def test_changes_are_refused_once_shipped():
    order = new_order()
    ship(order)

    with pytest.raises(IllegalTransition) as refused:
        ask(order, removed_items=("B",))

    assert refused.value.message == (
        "order ord-1 is shipped: changes are accepted only before the order ships "
        "(created, confirmed, in_fulfilment)"
    )


def test_a_pending_change_cannot_be_approved_or_applied_after_shipping():
    order = new_order()
    pending = ask(order, removed_items=("B",))
    ready = ask(order, "chg-2", added_items=(KETTLE,))
    approved(order, ready)
    impact = assess(order, pending, DEFAULT_LEAD_TIMES)
    ship(order)

    with pytest.raises(IllegalTransition):
        approve_change(order, pending, impact, "mgr-1", ["manager"], DECIDED)
    with pytest.raises(IllegalTransition):
        apply_change(order, ready, "ops-1", DECIDED)
    assert len(order.versions) == 1


def test_a_cancelled_order_cannot_be_changed():
    order = new_order()
    order.move_to("cancelled", "ops-1", DECIDED, reason="customer withdrew")

    with pytest.raises(IllegalTransition):
        ask(order, removed_items=("B",))


def test_an_approved_change_without_its_assessment_is_not_applied():
    order = new_order()
    change = ask(order, removed_items=("B",))
    change.status = ChangeStatus.APPROVED  # as a careless persistence layer might load it

    with pytest.raises(RuleViolation):
        apply_change(order, change, "ops-1", DECIDED)
