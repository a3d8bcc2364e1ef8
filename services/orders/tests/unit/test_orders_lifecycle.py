from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from orders.domain.errors import IllegalTransition, InvalidInput
from orders.domain.lifecycle import (
    ALLOWED_TARGETS,
    CHANGEABLE_STATES,
    HistoryEntry,
    OrderState,
    allowed_targets,
    creation_entry,
    event_type_for,
    is_changeable,
    replay,
    transition,
)

AT = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
PAYMENT = {"payment_amount": Decimal("1200.00"), "currency": "CNY", "paid_date": date(2024, 5, 6)}

# Every legal move with the least detail it needs.
LEGAL_MOVES = [
    ("created", "confirmed", {}),
    ("created", "cancelled", {"reason": "customer withdrew"}),
    ("confirmed", "in_fulfilment", {}),
    ("confirmed", "cancelled", {"reason": "credit check failed"}),
    ("in_fulfilment", "shipped", {"carrier": "SF Express", "tracking_number": "SF1234567890"}),
    ("in_fulfilment", "cancelled", {"reason": "out of stock"}),
    ("shipped", "delivered", {}),
    ("delivered", "accepted", {}),
    ("delivered", "disputed", {"reason": "two units damaged"}),
    ("accepted", "settled", PAYMENT),
    ("disputed", "accepted", {"resolution": "replacement units sent"}),
    ("disputed", "settled", {**PAYMENT, "note": "settled at 10% discount for damage"}),
]


@pytest.mark.parametrize(("current", "target", "details"), LEGAL_MOVES)
def test_every_legal_move_returns_the_history_entry(current, target, details):
    entry = transition(current, target, "u-ops-7", AT, **details)

    assert entry == HistoryEntry(OrderState(current), OrderState(target), "u-ops-7", AT, details)


def test_the_legal_moves_listed_are_exactly_the_allowed_table():
    table = {(current, target) for current, targets in ALLOWED_TARGETS.items() for target in targets}

    assert table == {(OrderState(c), OrderState(t)) for c, t, _ in LEGAL_MOVES}


@pytest.mark.parametrize(("current", "target"), [
    ("created", "shipped"),
    ("created", "in_fulfilment"),
    ("confirmed", "delivered"),
    ("shipped", "confirmed"),
    ("delivered", "settled"),
    ("accepted", "disputed"),
    ("settled", "created"),
    ("cancelled", "confirmed"),
    ("confirmed", "confirmed"),
])
def test_illegal_moves_are_refused(current, target):
    with pytest.raises(IllegalTransition) as refused:
        transition(current, target, "u1", AT, reason="x", carrier="x", tracking_number="x", **PAYMENT)

    assert refused.value.current == current
    assert refused.value.target == target
    assert refused.value.allowed == tuple(str(s) for s in ALLOWED_TARGETS[OrderState(current)])


def test_the_refusal_message_lists_the_allowed_targets():
    with pytest.raises(IllegalTransition) as refused:
        transition("delivered", "settled", "u1", AT, **PAYMENT)

    assert refused.value.message == "order cannot go from delivered to settled; allowed: accepted, disputed"


def test_a_final_state_says_nothing_is_allowed():
    with pytest.raises(IllegalTransition) as refused:
        transition("settled", "accepted", "u1", AT)

    assert refused.value.message == "order cannot go from settled to accepted; allowed: none (final state)"


@pytest.mark.parametrize("before_shipping", ["created", "confirmed", "in_fulfilment"])
def test_cancel_is_allowed_before_shipping(before_shipping):
    entry = transition(before_shipping, "cancelled", "u1", AT, reason="duplicate order")

    assert entry.to_state is OrderState.CANCELLED
    assert entry.details["reason"] == "duplicate order"


@pytest.mark.parametrize("shipped_or_later", ["shipped", "delivered", "accepted", "disputed", "settled", "cancelled"])
def test_cancel_is_refused_once_shipped(shipped_or_later):
    with pytest.raises(IllegalTransition):
        transition(shipped_or_later, "cancelled", "u1", AT, reason="too late")


def test_cancel_needs_a_reason():
    with pytest.raises(InvalidInput) as refused:
        transition("confirmed", "cancelled", "u1", AT)

    assert refused.value.errors == {"reason": ["is required"]}


def test_a_blank_reason_is_no_reason():
    with pytest.raises(InvalidInput) as refused:
        transition("delivered", "disputed", "u1", AT, reason="   ")

    assert refused.value.errors == {"reason": ["must not be blank"]}


def test_shipping_needs_carrier_and_tracking_number():
    with pytest.raises(InvalidInput) as refused:
        transition("in_fulfilment", "shipped", "u1", AT, carrier="")

    assert refused.value.errors == {
        "carrier": ["must not be blank"],
        "tracking_number": ["is required"],
    }


def test_resolving_a_dispute_to_accepted_needs_a_resolution():
    with pytest.raises(InvalidInput) as refused:
        transition("disputed", "accepted", "u1", AT)

    assert refused.value.errors == {"resolution": ["is required"]}


def test_settling_a_dispute_needs_a_note():
    with pytest.raises(InvalidInput) as refused:
        transition("disputed", "settled", "u1", AT, **PAYMENT)

    assert refused.value.errors == {"note": ["is required"]}


def test_settling_needs_amount_currency_and_paid_date():
    with pytest.raises(InvalidInput) as refused:
        transition("accepted", "settled", "u1", AT)

    assert refused.value.errors == {
        "payment_amount": ["is required"],
        "currency": ["is required"],
        "paid_date": ["is required"],
    }


def test_settling_refuses_float_amount_bad_currency_and_a_timestamp_as_date():
    with pytest.raises(InvalidInput) as refused:
        transition("accepted", "settled", "u1", AT, payment_amount=1200.0, currency="cny", paid_date=AT)

    assert refused.value.errors == {
        "payment_amount": ['must be a decimal number (a string such as "19.90", never a binary float)'],
        "currency": ["must be upper-case (e.g. USD)"],
        "paid_date": ["must be a date (YYYY-MM-DD)"],
    }


def test_settling_refuses_a_negative_payment():
    with pytest.raises(InvalidInput) as refused:
        transition("accepted", "settled", "u1", AT, **{**PAYMENT, "payment_amount": Decimal("-1")})

    assert refused.value.errors == {"payment_amount": ["must be 0 or more"]}


def test_paid_date_may_be_the_next_day_where_the_payer_is_ahead_of_utc():
    late_evening_utc = datetime(2024, 5, 6, 20, 0, tzinfo=UTC)  # already 7 May in Shanghai

    entry = transition("accepted", "settled", "u1", late_evening_utc, **{**PAYMENT, "paid_date": date(2024, 5, 7)})

    assert entry.details["paid_date"] == date(2024, 5, 7)


def test_paid_date_in_the_future_is_refused():
    with pytest.raises(InvalidInput) as refused:
        transition("accepted", "settled", "u1", AT, **{**PAYMENT, "paid_date": date(2024, 5, 8)})

    assert refused.value.errors == {"paid_date": ["must not be in the future"]}


def test_time_is_stored_in_utc():
    shanghai = timezone(timedelta(hours=8))

    entry = transition("created", "confirmed", "u1", datetime(2024, 5, 6, 17, 30, tzinfo=shanghai))

    assert entry.at == datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
    assert entry.at.tzinfo is UTC


def test_naive_time_and_missing_actor_are_refused():
    with pytest.raises(InvalidInput) as refused:
        transition("created", "confirmed", "", datetime(2024, 5, 6, 9, 30))

    assert refused.value.errors == {
        "by": ["must not be blank"],
        "at": ["must be a date-time with a timezone offset"],
    }


def test_unknown_target_is_an_illegal_transition():
    with pytest.raises(IllegalTransition) as refused:
        transition("created", "teleported", "u1", AT)

    assert refused.value.allowed == ("confirmed", "cancelled")


def test_unknown_current_state_is_invalid_input():
    with pytest.raises(InvalidInput) as refused:
        transition("limbo", "confirmed", "u1", AT)

    assert refused.value.errors == {"order_state": ["'limbo' is not an order state"]}


def test_extra_details_are_kept_and_cannot_be_changed_afterwards():
    entry = transition("shipped", "delivered", "u1", AT, signed_by="Li Wei", comment="left at reception")

    assert dict(entry.details) == {"signed_by": "Li Wei", "comment": "left at reception"}
    with pytest.raises(TypeError):
        entry.details["signed_by"] = "someone else"


def test_creation_entry_starts_from_nothing():
    entry = creation_entry("u1", AT, source="contract", source_ref="C-1")

    assert (entry.from_state, entry.to_state, entry.details["source_ref"]) == (None, OrderState.CREATED, "C-1")


def test_replay_returns_the_state_a_history_ends_in():
    history = [
        creation_entry("u1", AT),
        transition("created", "confirmed", "u1", AT),
        transition("confirmed", "in_fulfilment", "u1", AT),
    ]

    assert replay(history) is OrderState.IN_FULFILMENT


def test_replay_refuses_a_history_with_a_gap():
    history = [creation_entry("u1", AT), transition("confirmed", "in_fulfilment", "u1", AT)]

    with pytest.raises(InvalidInput) as refused:
        replay(history)

    assert refused.value.errors == {"history.1": ["confirmed → in_fulfilment does not follow created"]}


def test_replay_refuses_an_empty_history():
    with pytest.raises(InvalidInput):
        replay([])


def test_changeable_states_are_those_before_shipping():
    assert CHANGEABLE_STATES == {OrderState.CREATED, OrderState.CONFIRMED, OrderState.IN_FULFILMENT}
    assert is_changeable("in_fulfilment") is True
    assert is_changeable("shipped") is False
    assert allowed_targets("shipped") == (OrderState.DELIVERED,)


def test_event_types_follow_the_design_and_in_fulfilment_has_none():
    assert event_type_for("shipped") == "orders.order.shipped"
    assert event_type_for(OrderState.SETTLED) == "orders.order.settled"
    assert event_type_for("in_fulfilment") is None
