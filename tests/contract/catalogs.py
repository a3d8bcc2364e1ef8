"""Every service's published events and consumed subscriptions, gathered for
the contract tests and the AsyncAPI generator. Only repository tooling imports
several services at once; the services never import each other."""
from __future__ import annotations

import importlib
import tempfile
from dataclasses import dataclass

SERVICES = {"leads": "leads", "deals": "deals", "orders": "orders", "service-desk": "service_desk", "kpi": "kpi"}


@dataclass
class ServiceEvents:
    name: str
    catalog: object                  # EventCatalog it publishes
    subscriptions: object            # Subscriptions it consumes
    external: list                   # catalogs of outside producers it documents (storefront)


def load_service(name: str, package: str) -> ServiceEvents:
    from salesloop.config import load_settings
    from salesloop.service import Runtime

    bootstrap = importlib.import_module(f"{package}.bootstrap")
    spec = bootstrap.spec()
    folder = tempfile.mkdtemp(prefix=f"contract-{package}-")
    settings = load_settings(spec.name, database_url=f"sqlite:///{folder}/db.sqlite3", bus_url="memory://")
    runtime = Runtime(spec, settings)
    events = importlib.import_module(f"{package}.events")
    external = [getattr(events, name)() for name in dir(events) if name.endswith("_contract") and callable(getattr(events, name))]
    subscriptions = runtime.subscriptions
    runtime.database.dispose()
    return ServiceEvents(spec.name, runtime.catalog, subscriptions, external)


def load_all() -> list[ServiceEvents]:
    return [load_service(name, package) for name, package in SERVICES.items()]


def producers(services: list[ServiceEvents]) -> dict:
    """event type -> (producing service or outside source, EventDefinition)."""
    found = {}
    for service in services:
        for definition in service.catalog:
            found[definition.type] = (service.name, definition)
        for catalog in service.external:
            for definition in catalog:
                found[definition.type] = (catalog.source, definition)
    return found
