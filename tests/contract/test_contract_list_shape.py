"""One list shape across the five services: a collection that pages answers
``{items, page, page_size, total}`` and takes ``page`` / ``page_size``; a bare
array is only for a short reference list that never pages (named below with why).

Read from each service's OpenAPI document, so a new list endpoint is checked
the day it is added.
"""
from __future__ import annotations

import importlib

import pytest

from salesloop.testing.harness import ServiceHarness

SERVICES = {"leads": "leads", "deals": "deals", "orders": "orders", "service-desk": "service_desk", "kpi": "kpi"}
ENVELOPE = {"items", "page", "page_size", "total"}
PAGING = {"page", "page_size"}


@pytest.fixture(scope="module", params=SERVICES)
def document(request, tmp_path_factory):
    package = SERVICES[request.param]
    spec = importlib.import_module(f"{package}.bootstrap").spec()
    create_app = importlib.import_module(f"{package}.app").create_app
    folder = tmp_path_factory.mktemp(package)
    harness = ServiceHarness(spec, create_app, database_url=f"sqlite:///{folder}/db.sqlite3")
    try:
        response = harness.get("/openapi.json", role=None)
        assert response.status_code == 200
        yield request.param, response.get_json()
    finally:
        harness.close()


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def list_operations(doc: dict):
    """(path, schema of the 200 answer, query parameter names) of every GET."""
    for path, item in doc["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        names = {p["name"] for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                 if p.get("in") == "query"}
        yield path, resolve(doc, schema), names


# A resource that pages a part of itself, not a collection: its own fields around the page.
PAGES_INSIDE = {("leads", "/leads/imports/{import_id}"): "an import's status pages its row results"}


def test_every_paged_list_answers_the_one_envelope(document):
    service, doc = document
    checked = 0
    for path, schema, query in list_operations(doc):
        properties = set(schema.get("properties", {}))
        paged = PAGING <= query or bool(properties & PAGING)
        if not paged or (service, path) in PAGES_INSIDE:
            continue
        assert schema.get("type") != "array", f"{service} GET {path}: pages, so it answers the envelope"
        assert ENVELOPE <= properties, f"{service} GET {path}: a list answers {sorted(ENVELOPE)}"
        assert PAGING <= query, f"{service} GET {path}: a list takes page and page_size"
        checked += 1
    assert checked, f"{service}: no paged list found — is the document read?"


def test_no_list_pages_through_a_header(document):
    service, doc = document
    for path, item in doc["paths"].items():
        headers = item.get("get", {}).get("responses", {}).get("200", {}).get("headers", {})
        assert "X-Pagination" not in headers, f"{service} GET {path}: the page is in the body, not a header"
