"""The five services as in-process apps, for tests that read or call every route."""
from __future__ import annotations

import importlib

from salesloop.testing.harness import ServiceHarness

SERVICES = {"leads": "leads", "deals": "deals", "orders": "orders", "service-desk": "service_desk", "kpi": "kpi"}


def harness_for(package: str, database_url: str) -> ServiceHarness:
    spec = importlib.import_module(f"{package}.bootstrap").spec()
    create_app = importlib.import_module(f"{package}.app").create_app
    return ServiceHarness(spec, create_app, database_url=database_url)
