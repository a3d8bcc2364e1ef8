"""Every service has the same shape: a newcomer who knows one knows them all.

A service that truly needs another top-level module lists it in EXTRA with the
reason; anything else that differs fails here.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"leads": "leads", "deals": "deals", "orders": "orders", "service-desk": "service_desk", "kpi": "kpi"}
# Deployables under services/ that are not event services, with why they have another shape.
NOT_EVENT_SERVICES = {
    "console": "web pages over the five services' public APIs: no database, events, domain or migrations; "
               "views/ and templates/ instead of api/, and a chart bundle built by npm",
}
CONSOLE = {"__init__.py", "__main__.py", "app.py", "config.py", "session.py", "upstream.py", "views", "templates",
           "static", "frontend"}

PACKAGE = {
    "__init__.py", "__main__.py", "app.py", "bootstrap.py", "config.py",
    "domain", "models.py", "repository.py", "schemas.py", "api", "commands",
    "events.py", "handlers.py", "readers.py", "migrations",
}
TESTS = {"conftest.py", "unit", "handlers", "api", "integration"}

# service -> {module: why it is needed}
EXTRA: dict[str, dict[str, str]] = {
    "leads": {},
    "deals": {},
    "orders": {},
    "service-desk": {"pages": "the customer's survey page: HTML templates, texts in two languages and its "
                             "stylesheet, served beside the JSON API (no other service has a page for customers)"},
    "kpi": {},
}

# What a service has not yet moved to the common layout: {entry: where it goes}.
# Each entry is a debt with its destination, not a licence; the list only shrinks.
NOT_YET_MOVED: dict[str, dict[str, str]] = {
    "leads": {},
    "deals": {},
    "orders": {},
    "service-desk": {},
    "kpi": {},
}
NOT_YET_MOVED_TESTS: dict[str, dict[str, str]] = {
    "leads": {},
    "deals": {},
    "orders": {},
    "service-desk": {},
    "kpi": {},
}


def expected(common: set[str], extra: set[str], debts: dict[str, str]) -> set[str]:
    """The common set, plus what is allowed, plus what has not moved yet ("x"), minus
    what does not exist yet ("-x")."""
    missing = {name[1:] for name in debts if name.startswith("-")}
    present = {name for name in debts if not name.startswith("-")}
    return (common | extra | present) - missing


def entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name != "__pycache__" and not p.name.endswith(".pyc")}


@pytest.mark.parametrize("service", SERVICES)
def test_the_package_has_the_common_modules(service):
    package = ROOT / "services" / service / SERVICES[service]
    assert entries(package) == expected(PACKAGE, set(EXTRA[service]), NOT_YET_MOVED[service])


@pytest.mark.parametrize("service", SERVICES)
def test_the_tests_have_the_common_tiers(service):
    tests = ROOT / "services" / service / "tests"
    client = f"{SERVICES[service]}_client.py"
    assert entries(tests) == expected(TESTS | {client}, set(), NOT_YET_MOVED_TESTS[service])


@pytest.mark.parametrize("service", SERVICES)
def test_the_api_is_one_module_per_resource_listed_in_init(service):
    api = ROOT / "services" / service / SERVICES[service] / "api"
    if "-api" in NOT_YET_MOVED[service]:
        pytest.skip(f"{service} has no api/ package yet (NOT_YET_MOVED)")
    modules = {p.stem for p in api.glob("*.py")} - {"__init__"}
    listing = (api / "__init__.py").read_text()
    for module in modules:
        assert module in listing, f"{service}: api/{module}.py is not listed in api/__init__.py"


def test_every_folder_under_services_is_an_event_service_or_named_with_its_reason():
    folders = {p.name for p in (ROOT / "services").iterdir() if p.is_dir()}
    assert folders == set(SERVICES) | set(NOT_EVENT_SERVICES)


def test_the_console_keeps_its_own_shape():
    package = ROOT / "services" / "console" / "console"
    assert entries(package) == CONSOLE
    assert (ROOT / "services" / "console" / "tests" / "conftest.py").exists()
