"""Order numbers: the placed day and enough of the id that a busy day never repeats one."""
from __future__ import annotations

import uuid
from datetime import date

from orders.repository import order_number


def test_two_orders_whose_ids_share_six_leading_digits_get_different_numbers():
    first, second = "1a2b3c00-0000-4000-8000-000000000001", "1a2b3c11-1111-4000-8000-000000000002"
    day = date(2026, 12, 7)
    assert order_number("SO", day, first) != order_number("SO", day, second)


def test_an_order_number_reads_prefix_day_and_twelve_hex_digits():
    assert order_number("SO", date(2026, 12, 7), "1a2b3c4d-5e6f-4000-8000-000000000001") == "SO-20261207-1A2B3C4D5E6F"


def test_fifty_thousand_orders_of_one_day_have_fifty_thousand_numbers():
    day = date(2026, 12, 7)
    assert len({order_number("SO", day, str(uuid.uuid4())) for _ in range(50_000)}) == 50_000
