"""The console over the five real services in-process, with a small company in them.

Reps r-1 (team-1, east) and r-2 (team-2, west) each own an open deal; a manager
of the east region sees r-1's; KPI has this month's orders of both reps.
"""
from __future__ import annotations

import importlib
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from salesloop.testing import importable_test_folder

from console.app import create_app
from console.config import ConsoleConfig

importable_test_folder(__file__)

from in_process import SERVICE_URLS, InProcessAdapter, session_factory  # noqa: E402 - once on the path

PACKAGES = {"leads": "leads", "deals": "deals", "orders": "orders", "service-desk": "service_desk", "kpi": "kpi"}
R1 = {"user": "r-1", "team": "team-1", "region": "east"}
R2 = {"user": "r-2", "team": "team-2", "region": "west"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def services(service_harness):
    """service name → its harness, each on its own SQLite file and in-memory bus."""
    built = {}
    for service, package in PACKAGES.items():
        spec = importlib.import_module(f"{package}.bootstrap").spec
        create = importlib.import_module(f"{package}.app").create_app
        built[service] = service_harness(spec(), create)
    return built


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


@pytest.fixture
def company(services):
    open_deal(services["deals"], R1, "云帆科技", "100000.00")
    open_deal(services["deals"], R2, "西部能源", "50000.00")
    order_created(services["kpi"], "o-1", R1, "1200.00")
    order_created(services["kpi"], "o-2", R2, "800.00")
    return services


@pytest.fixture
def network(services):
    return InProcessAdapter({SERVICE_URLS[name].removeprefix("http://"): harness.app
                             for name, harness in services.items()})


@pytest.fixture
def make_console(network):
    def make(**settings):
        config = ConsoleConfig(secret_key="console-test-secret-" + "x" * 20, production=False,
                               service_urls=SERVICE_URLS, **settings)
        app = create_app(config, http=session_factory(network))
        app.config.update(TESTING=True)
        return app

    return make


@pytest.fixture
def console(make_console):
    return make_console()


@pytest.fixture
def browser_client(console):
    return console.test_client()


def csrf_token(client, path: str = "/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, role: str, user: str, team: str = "", region: str = ""):
    token = csrf_token(client)
    return client.post("/login/dev", data={"csrf_token": token, "role": role, "user": user, "team": team,
                                           "region": region})


@pytest.fixture
def signed_in(browser_client):
    def as_person(role: str, user: str = "u-1", team: str = "", region: str = ""):
        response = sign_in(browser_client, role, user, team, region)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser_client

    return as_person
