"""The console over the five real services in-process, with a small company in them
(console_client.py: who is in it)."""
from __future__ import annotations

import importlib

import pytest

from salesloop.testing import importable_test_folder

from console.app import create_app
from console.config import ConsoleConfig

importable_test_folder(__file__)

from console_client import R1, R2, open_deal, order_created, sign_in  # noqa: E402 - once on the path
from in_process import SERVICE_URLS, InProcessAdapter, session_factory  # noqa: E402

PACKAGES = {"leads": "leads", "deals": "deals", "orders": "orders", "service-desk": "service_desk", "kpi": "kpi"}


@pytest.fixture
def services(service_harness):
    """service name → its harness, each on its own SQLite file and in-memory bus."""
    built = {}
    for service, package in PACKAGES.items():
        spec = importlib.import_module(f"{package}.bootstrap").spec
        create = importlib.import_module(f"{package}.app").create_app
        built[service] = service_harness(spec(), create)
    return built


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


@pytest.fixture
def signed_in(browser_client):
    def as_person(role: str, user: str = "u-1", team: str = "", region: str = ""):
        response = sign_in(browser_client, role, user, team, region)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser_client

    return as_person
