"""The console driven as a person would: people of the small company, signing in, seeding it.

Reps r-1 (team-1, east) and r-2 (team-2, west) each own an open deal; KPI has
this month's orders of both.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

R1 = {"user": "r-1", "team": "team-1", "region": "east"}
R2 = {"user": "r-2", "team": "team-2", "region": "west"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def open_deal(deals, who: dict, customer: str, amount: str) -> dict:
    body = {"customer_id": f"c-{who['user']}", "customer_name": customer, "amount": amount, "currency": "CNY",
            "expected_close_date": (date.today() + timedelta(days=60)).isoformat()}
    response = deals.post("/deals", json=body, role="rep", **who)
    assert response.status_code == 201, response.json
    return response.json


def order_created(kpi, order_id: str, who: dict, amount: str) -> None:
    data = {"order_id": order_id, "order_number": f"SO-{order_id}", "version": 1, "origin": "contract",
            "customer_id": f"c-{who['user']}", "customer_name": "客户", "rep_id": who["user"], "team": who["team"],
            "region": who["region"], "currency": "CNY", "fx_rate": "1", "total_amount": amount,
            "total_cost": "100.00", "status": "created", "occurred_at": datetime.now(timezone.utc).isoformat(),
            "items": [{"product_code": "ERP", "description": "licence", "quantity": "1", "unit_price": amount,
                       "unit_cost": "100.00", "amount": amount}]}
    assert kpi.deliver("orders.order.created", data).value == "handled"


def csrf_token(client, path: str = "/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, role: str, user: str, team: str = "", region: str = ""):
    token = csrf_token(client)
    return client.post("/login/dev", data={"csrf_token": token, "role": role, "user": user, "team": team,
                                           "region": region})
