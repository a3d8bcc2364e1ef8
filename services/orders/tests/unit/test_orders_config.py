from datetime import date

import pytest

from salesloop.config import ConfigError, load_settings

from orders.config import orders_config


def config(**extra):
    return orders_config(load_settings("orders", database_url="sqlite://", bus_url="memory://", extra=extra))


def test_defaults():
    defaults = config()

    assert dict(defaults.lead_times.days) == {"purchasing": 5, "production": 10, "packing": 2, "shipping": 3}
    assert defaults.stages == ("purchasing", "production", "packing", "shipping")
    assert defaults.calendar.zone == "Asia/Shanghai" and defaults.calendar.weekend == frozenset({5, 6})
    assert defaults.storefront.default_delivery_days == 7 and defaults.storefront.default_payment_terms == "prepaid"
    assert defaults.number_prefix == "SO" and defaults.ship_requires_plan is True
    assert defaults.company_currency == "CNY"


def test_every_variable_is_read():
    custom = config(ORDERS_LEAD_TIMES="cutting=1,welding=4,shipping=2", ORDERS_STAGE_OWNERS="welding=plant-3",
                    ORDERS_WEEKEND="sun", ORDERS_HOLIDAYS="2025-10-01, 2025-10-02",
                    ORDERS_STOREFRONT_DELIVERY_DAYS="3", ORDERS_STOREFRONT_PAYMENT_TERMS="cash_on_delivery",
                    ORDERS_STOREFRONT_TEAM="online", ORDERS_NUMBER_PREFIX="PO", ORDERS_OVERDUE_SWEEP_SECONDS="60",
                    ORDERS_SHIP_REQUIRES_PLAN="false")

    assert custom.stages == ("cutting", "welding", "shipping") and custom.lead_times.total() == 7
    assert custom.stage_owners == {"welding": "plant-3"}
    assert custom.calendar.weekend == frozenset({6})
    assert custom.calendar.holidays == frozenset({date(2025, 10, 1), date(2025, 10, 2)})
    assert custom.lead_times.calendar is custom.calendar and custom.storefront.calendar is custom.calendar
    assert custom.storefront.default_delivery_days == 3
    assert custom.storefront_owner.team == "online" and custom.storefront_owner.rep_id is None
    assert (custom.number_prefix, custom.overdue_sweep_seconds, custom.ship_requires_plan) == ("PO", 60.0, False)


def test_no_weekend_at_all():
    assert config(ORDERS_WEEKEND="none").calendar.weekend == frozenset()


@pytest.mark.parametrize(("name", "value"), [
    ("ORDERS_LEAD_TIMES", "purchasing"),
    ("ORDERS_LEAD_TIMES", "purchasing=soon"),
    ("ORDERS_LEAD_TIMES", "purchasing=-1"),
    ("ORDERS_WEEKEND", "caturday"),
    ("ORDERS_WEEKEND", "mon,tue,wed,thu,fri,sat,sun"),
    ("ORDERS_HOLIDAYS", "1 October"),
    ("ORDERS_STOREFRONT_DELIVERY_DAYS", "a week"),
])
def test_a_bad_value_is_refused_at_start_up(name, value):
    with pytest.raises(ConfigError) as refused:
        config(**{name: value})

    assert name in str(refused.value)
