"""Each service's OpenAPI document is pinned in docs/openapi/<service>.json, so a
change to the HTTP contract is a deliberate one: a refactor leaves the files as
they are, and a change of contract rewrites them in the same commit
(``SALESLOOP_PIN_OPENAPI=1 make test`` writes what the services answer now).
The pinned files are also what a client generator or a reviewer reads offline."""
from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest

from salesloop.testing.harness import ServiceHarness

ROOT = Path(__file__).resolve().parents[2]
PINNED = ROOT / "docs" / "openapi"
SERVICES = {"leads": "leads", "deals": "deals", "orders": "orders", "service-desk": "service_desk", "kpi": "kpi"}


def served_document(package: str, folder: Path) -> dict:
    spec = importlib.import_module(f"{package}.bootstrap").spec()
    create_app = importlib.import_module(f"{package}.app").create_app
    harness = ServiceHarness(spec, create_app, database_url=f"sqlite:///{folder}/db.sqlite3")
    try:
        response = harness.get("/openapi.json", role=None)
        assert response.status_code == 200
        return response.get_json()
    finally:
        harness.close()


def rendered(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("service", SERVICES)
def test_the_served_openapi_document_is_the_pinned_one(service, tmp_path):
    now = rendered(served_document(SERVICES[service], tmp_path))
    pinned = PINNED / f"{service}.json"
    if os.environ.get("SALESLOOP_PIN_OPENAPI") == "1":
        pinned.write_text(now, encoding="utf-8")
    assert pinned.exists(), f"{pinned} is missing: run with SALESLOOP_PIN_OPENAPI=1 to write it"
    assert now == pinned.read_text(encoding="utf-8"), (
        f"{service}'s OpenAPI document changed; if that is deliberate, pin it with SALESLOOP_PIN_OPENAPI=1")
