"""The broker's users and permissions, from the event catalogs: one user per
service (its own queues, its own event types) and one per outside producer.

    python tests/contract/broker_definitions.py [--namespace NS] [--vhost /] > definitions.json

Passwords come from BROKER_PASSWORD_<USER> (LEADS, DEALS, ORDERS, SERVICE_DESK, KPI,
STOREFRONT); a missing one is an error — this file goes to a production broker.
Load it with `rabbitmqctl import_definitions definitions.json` (or RabbitMQ's
`load_definitions` setting at boot); then give each service its own BUS_URL.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from catalogs import load_all  # noqa: E402
from salesloop.messaging.permissions import BrokerGrant, definitions, producer_grant, service_grant  # noqa: E402


def grants(namespace: str = "") -> list[BrokerGrant]:
    services = load_all()
    found = [service_grant(s.name, [d.type for d in s.catalog], namespace) for s in services]
    outside: dict[str, set[str]] = {}
    for service in services:
        for catalog in service.external:
            outside.setdefault(catalog.source.strip("/"), set()).update(d.type for d in catalog)
    return found + [producer_grant(name, types, namespace) for name, types in sorted(outside.items())]


def password_variable(user: str, namespace: str = "") -> str:
    return "BROKER_PASSWORD_" + user.removeprefix(namespace).upper().replace("-", "_").replace(".", "_")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespace", default="", help="BUS_NAMESPACE of the stack (default none)")
    parser.add_argument("--vhost", default="/")
    args = parser.parse_args(argv)
    found = grants(args.namespace)
    missing = [password_variable(g.user, args.namespace) for g in found
               if not os.environ.get(password_variable(g.user, args.namespace))]
    if missing:
        print(f"set {', '.join(missing)} first", file=sys.stderr)
        return 2
    passwords = {g.user: os.environ[password_variable(g.user, args.namespace)] for g in found}
    json.dump(definitions(found, passwords, args.vhost), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
