"""Who may do what on the broker: one RabbitMQ user per service and one for each
outside producer, each allowed to publish only the routing keys it owns.

Without this, anyone who can publish on the events exchange can forge another
service's events (a ``deals.deal.won`` that changes a customer's purchase
history). RabbitMQ checks three regular expressions per user and vhost
(configure, write, read) on exchange and queue names, and topic permissions on
the routing keys published to a topic exchange. The grants here are derived from
the event catalogs, so a new event type is allowed for its producer only.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

EVENTS_EXCHANGE = "salesloop.events"
# Retries and dead letters are published through the default exchange, which
# RabbitMQ checks as a write on "amq.default" (topic permissions don't apply to it).
DEFAULT_EXCHANGE_NAME = "amq.default"
NOTHING = "^$"


@dataclass(frozen=True)
class BrokerGrant:
    user: str
    configure: str
    write: str
    read: str
    exchange: str
    publish_keys: str  # topic permission: routing keys the user may publish on the exchange
    bind_keys: str     # topic permission: routing keys the user may bind its queues with

    def allows_publishing(self, routing_key: str) -> bool:
        return re.search(self.publish_keys, routing_key) is not None


def _exactly(names: Iterable[str]) -> str:
    alternatives = "|".join(re.escape(name) for name in sorted(set(names)))
    return f"^({alternatives})$" if alternatives else NOTHING


def service_grant(service: str, publishes: Iterable[str], namespace: str = "") -> BrokerGrant:
    """A service declares the exchange and its own three queues, consumes from them,
    publishes its own event types, and moves messages between its own queues."""
    exchange = f"{namespace}{EVENTS_EXCHANGE}"
    queue = f"{namespace}{service}"
    own = _exactly([exchange, queue, f"{queue}.retry", f"{queue}.dlq"])
    return BrokerGrant(
        user=f"{namespace}{service}", configure=own,
        write=_exactly([exchange, queue, f"{queue}.retry", f"{queue}.dlq", DEFAULT_EXCHANGE_NAME]),
        read=own, exchange=exchange, publish_keys=_exactly(publishes), bind_keys=".*")


def producer_grant(name: str, publishes: Iterable[str], namespace: str = "") -> BrokerGrant:
    """An outside producer (the storefront) publishes its own types on the exchange, nothing else."""
    exchange = f"{namespace}{EVENTS_EXCHANGE}"
    return BrokerGrant(user=f"{namespace}{name}", configure=NOTHING, write=_exactly([exchange]), read=NOTHING,
                       exchange=exchange, publish_keys=_exactly(publishes), bind_keys=NOTHING)


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode()


def definitions(grants: Iterable[BrokerGrant], passwords: dict[str, str], vhost: str = "/") -> dict[str, Any]:
    """A RabbitMQ definitions document (``rabbitmqctl import_definitions`` or
    ``load_definitions`` at boot) holding the users and their permissions."""
    grants = list(grants)
    return {
        "users": [{"name": g.user, "password_hash": password_hash(passwords[g.user]),
                   "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []} for g in grants],
        "vhosts": [{"name": vhost}],
        "permissions": [{"user": g.user, "vhost": vhost, "configure": g.configure, "write": g.write,
                         "read": g.read} for g in grants],
        "topic_permissions": [{"user": g.user, "vhost": vhost, "exchange": g.exchange, "write": g.publish_keys,
                               "read": g.bind_keys} for g in grants],
    }
