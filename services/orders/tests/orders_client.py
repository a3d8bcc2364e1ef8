"""Helpers for the Orders service's tests: payloads as the deals service and
the storefront send them, and a walk through the order's life over HTTP.
(conftest.py puts this folder on sys.path and provides the fixtures.)"""
from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from orders.events import STOREFRONT_EXAMPLE

# The service books days in the company's zone (Asia/Shanghai by default).
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
IN_A_MONTH = (TODAY + timedelta(days=30)).isoformat()


def contract_signed(**overrides) -> dict:
    """deals.contract.signed as the deals service publishes it (10 licences at 1000 USD less 10 %, 13 % tax)."""
    data = {
        "contract_id": str(uuid.uuid4()), "deal_id": str(uuid.uuid4()), "lead_id": "lead-311",
        "customer_id": "cust-1042", "customer_name": "杭州云帆科技有限公司",
        "customer_contact": {"name": "王丽", "phone": "+8613800138000", "email": "wang.li@yunfan.example"},
        "rep_id": "rep-7", "team": "east-1", "region": "east", "currency": "USD", "fx_rate": "7.1",
        "quote_version": 2,
        "items": [
            {"product_code": "ERP-LIC", "description": "ERP licence", "quantity": "10", "unit_price": "1000",
             "discount_pct": "10", "tax_rate_pct": "13", "unit_cost": "400", "line_net": "9000.00",
             "line_tax": "1170.00", "line_gross": "10170.00"},
            {"product_code": "ERP-SETUP", "description": "Set-up days", "quantity": "3", "unit_price": "333.33",
             "discount_pct": "0", "tax_rate_pct": "6", "unit_cost": None, "line_net": "999.99",
             "line_tax": "60.00", "line_gross": "1059.99"},
        ],
        "net": "9999.99", "tax": "1230.00", "total_amount": "11229.99", "company_currency": "CNY",
        "net_company": "70999.93", "gross_company": "79732.93", "delivery_date": IN_A_MONTH,
        "delivery_address": "杭州市西湖区文三路 90 号", "delivery_terms": "DAP Hangzhou",
        "payment_terms": "30% advance, 70% net 30", "signed_at": datetime.now(timezone.utc).isoformat(),
        "signatory": "王丽", "approved_by": "mgr-2", "lead_captured_at": None,
    }
    data.update(overrides)
    return data


def storefront_order(**overrides) -> dict:
    data = copy.deepcopy(STOREFRONT_EXAMPLE)
    data.update({"storefront_order_id": f"SF-{uuid.uuid4().hex[:10]}",
                 "placed_at": datetime.now(timezone.utc).isoformat(),
                 "requested_delivery_date": (TODAY + timedelta(days=10)).isoformat()})
    data.update(overrides)
    return data


def phone_order(**overrides) -> dict:
    body = {
        "customer": {"id": "cust-9", "name": "宁波海曙贸易", "phone": "+86 574 8765 4321",
                     "email": "buyer@haishu.example", "contact_name": "赵敏"},
        "items": [
            {"product_code": "TEA-01", "description": "Longjing 250 g", "quantity": "3", "unit_price": "19.99",
             "unit_cost": "12.50"},
            {"product_code": "CUP-06", "description": "Cups (6)", "quantity": "2", "unit_price": "5.00",
             "unit_cost": "3.333", "tax_rate_pct": "13"},
        ],
        "currency": "CNY",
        "delivery_date": IN_A_MONTH,
        "shipping_address": {"line1": "中山西路 1 号", "city": "宁波", "country": "CN", "postal_code": "315000"},
        "payment_terms": "net_30",
    }
    body.update(overrides)
    return body


OPS = {"role": "ops", "user": "ops-1"}
PLAN_BEFORE_SHIPPING = ("purchasing", "production", "packing")


def walk(harness, order_id: str, to: str) -> dict:
    """Drive an order over HTTP from created to ``to`` along the usual path."""
    steps = {
        "confirmed": lambda: harness.post(f"/orders/{order_id}/confirm", json={}, **OPS),
        "in_fulfilment": lambda: harness.post(f"/orders/{order_id}/start-fulfilment", json={}, **OPS),
        "shipped": lambda: _finish_plan_and_ship(harness, order_id),
        "delivered": lambda: harness.post(f"/orders/{order_id}/deliver", json={}, **OPS),
        "accepted": lambda: harness.post(f"/orders/{order_id}/accept", json={}, **OPS),
    }
    response = None
    for state in steps:
        response = steps[state]()
        assert response.status_code == 200, response.json
        if state == to:
            return response.json
    raise ValueError(to)


def _finish_plan_and_ship(harness, order_id):
    for stage in PLAN_BEFORE_SHIPPING:
        done = harness.post(f"/orders/{order_id}/plan/stages/{stage}/complete", **OPS)
        assert done.status_code == 200, done.json
    return harness.post(f"/orders/{order_id}/ship", json={"carrier": "SF Express", "tracking_number": "SF1234567890"},
                        **OPS)


def event_data(harness, event_type: str) -> list[dict]:
    return [event["data"] for event in harness.published(event_type)]
