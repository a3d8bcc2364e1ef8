"""Function-level access (OWASP API5), read off the routes themselves.

Every route either is public, names its roles with ``require_roles`` or falls back
to the staff roles (deny by default: a token with no role, a storefront's or a
service's reaches only what names it). ``docs/access.md`` is that table, pinned
like the OpenAPI documents (``SALESLOOP_PIN_OPENAPI=1`` rewrites it), and the
matrix below calls every route of every service as every role the code knows and
expects a 403 wherever the table says no.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from flask_smorest.spec.plugins import FlaskPlugin

from salesloop.web.auth import ROLES, SERVICE_ROLES, route_roles

sys.path.insert(0, str(Path(__file__).parent))
from apps import SERVICES, harness_for  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "access.md"
NO_ROLE = ""
PROBES = (*ROLES, *SERVICE_ROLES, NO_ROLE)
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes(app) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """(method, path, roles) for every route; roles None when the route is public."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api-docs.") or rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.append((method, rule.rule, route_roles(view, method)))
    return sorted(found, key=lambda route: (route[1], route[0]))


def concrete(path: str) -> str:
    """A URL for the rule, with placeholder ids of nobody's records."""
    path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)
    path = re.sub(r"<int:[^>]+>", "1", path)
    return re.sub(r"<[^>]+>", "nobodys-id", path)


def who_may(roles: tuple[str, ...] | None) -> str:
    if roles is None:
        return "anyone (public)"
    return ", ".join(sorted({*roles, "admin"}, key=lambda role: (role not in ROLES, role)))


def rendered_table(tables: dict[str, list]) -> str:
    lines = ["# Who may call what",
             "",
             "Generated from the routes (`tests/contract/test_contract_access.py`; rewrite with",
             "`SALESLOOP_PIN_OPENAPI=1 make test`). A route that names no roles is for the staff",
             f"roles ({', '.join(ROLES)}); a token with no role or a machine's ({', '.join(SERVICE_ROLES)})",
             "reaches only the routes that name it. Within what a role may call, a rep sees their own",
             "records, a supervisor the team's and a manager the region's; a record outside the",
             "caller's scope answers 404. Customer care (cs_agent) serves the customers, orders and",
             "tickets of its token's region (every region when the token names none: the central",
             "desk) but sees only its own people records (reviews). An id named in a body is checked",
             "like one in the URL (422 `No such …` when outside the caller's reach), and a new record",
             "is filed only within its creator's scope (422 naming `owner`, `team` or `region`).",
             "Free text shown to a role without the right to personal data has the e-mail addresses",
             "and phone numbers in it masked. Other people are named on the same terms: a lead's",
             "assignment explanation lists only the candidate reps the caller may see (the others",
             "are counted), and `/reps` lists a manager's own region.", ""]
    for service, found in tables.items():
        lines += [f"## {service}", "", "| method | path | roles |", "| --- | --- | --- |"]
        lines += [f"| {method} | `{path}` | {who_may(roles)} |" for method, path, roles in found]
        lines.append("")
    return "\n".join(lines)


def documented_problem(document: dict, method: str, path: str, status: int) -> bool:
    """Whether the OpenAPI document declares this error status as problem+json for the operation."""
    operation = document["paths"].get(FlaskPlugin.flaskpath2openapi(path), {}).get(method.lower(), {})
    response = operation.get("responses", {}).get(str(status))
    if response is None:
        return False
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return "application/problem+json" in response.get("content", {})


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    built = {service: harness_for(package, f"sqlite:///{tmp_path_factory.mktemp(service)}/db.sqlite3") for service, package in SERVICES.items()}
    yield built
    for harness in built.values():
        harness.close()


def test_the_access_table_is_the_pinned_one(services):
    now = rendered_table({service: routes(harness.app) for service, harness in services.items()})
    if os.environ.get("SALESLOOP_PIN_OPENAPI") == "1":
        TABLE.write_text(now, encoding="utf-8")
    assert TABLE.exists(), f"{TABLE} is missing: run with SALESLOOP_PIN_OPENAPI=1 to write it"
    assert now == TABLE.read_text(encoding="utf-8"), (
        "who may call what changed; if that is deliberate, pin it with SALESLOOP_PIN_OPENAPI=1")


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_refuses_every_role_it_does_not_name(services, service):
    harness = services[service]
    document = harness.get("/openapi.json").json
    allowed_through, undocumented = [], set()
    for method, path, roles in routes(harness.app):
        if roles is None:
            continue
        for probe in PROBES:
            if probe in roles or probe == "admin":
                continue
            response = harness.request(method, concrete(path), role="rep", roles=[probe] if probe else [],
                                       **({"json": {}} if method in ("POST", "PUT", "PATCH") else {}))
            if response.status_code != 403:
                allowed_through.append(f"{method} {path} as {probe or 'no role'}: {response.status_code}")
            elif not (response.mimetype == "application/problem+json"
                      and documented_problem(document, method, path, 403)):
                undocumented.add(f"{method} {path}")
    assert allowed_through == []
    assert sorted(undocumented) == [], "a 403 that the OpenAPI document does not declare as problem+json"


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_asks_a_token_of_exactly_the_routes_that_need_one(services, service):
    harness = services[service]
    document = harness.get("/openapi.json").json
    assert document["security"] == [{"bearerAuth": []}]
    for method, path, roles in routes(harness.app):
        operation = document["paths"].get(FlaskPlugin.flaskpath2openapi(path), {}).get(method.lower())
        if operation is not None:
            assert ("security" in operation and operation["security"] == []) == (roles is None), (method, path)


@pytest.mark.parametrize("route, refused, allowed", [
    (("leads", "/leads/export"), ("cs_agent", "storefront", "service", NO_ROLE), ("rep", "supervisor", "ops")),
    (("leads", "/rules"), ("rep", "cs_agent", "storefront", "service", NO_ROLE), ("supervisor", "manager", "ops")),
    (("leads", "/rules/grading"), ("rep", "cs_agent", NO_ROLE), ("manager",)),
    (("service-desk", "/surveys"), ("storefront", "service", NO_ROLE), ("cs_agent", "supervisor", "rep")),
    (("kpi", "/kpis/catalog"), ("storefront", "service", NO_ROLE), ("rep", "manager")),
])
def test_the_routes_found_open_are_closed_to_the_wrong_roles(services, route, refused, allowed):
    service, path = route
    harness = services[service]
    for role in refused:
        assert harness.request("GET", path, role="rep", roles=[role] if role else []).status_code == 403, role
    for role in allowed:
        assert harness.request("GET", path, role="rep", roles=[role]).status_code == 200, role
