"""The broker refuses forged events: each service's user may publish only the
event types in its own catalog, the storefront's only its orders, on the real
RabbitMQ (a throwaway vhost and users, loaded from the generated definitions)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Producer

from salesloop.messaging.permissions import definitions

sys.path.insert(0, str(Path(__file__).parent))
from broker_definitions import grants  # noqa: E402

pytestmark = pytest.mark.integration


def rabbitmqctl(*args: str, given: str | None = None) -> str:
    done = subprocess.run(["rabbitmqctl", "-q", *args], input=given, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"rabbitmqctl {args[0]}: {done.stderr or done.stdout}"
    return done.stdout


def wait_for_users(users: set[str], timeout: float = 30) -> None:
    """The import runs asynchronously on the node."""
    deadline = time.monotonic() + timeout
    while not users <= {line.split("\t")[0] for line in rabbitmqctl("list_users").splitlines()}:
        assert time.monotonic() < deadline, "the broker did not import the users"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def broker(rabbitmq_url):
    """A vhost of its own with every Salesloop user in it, gone afterwards."""
    if shutil.which("rabbitmqctl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("rabbitmqctl is needed to load the broker definitions")
        pytest.skip("rabbitmqctl is not on this machine")
    namespace, vhost = f"t{uuid.uuid4().hex[:6]}.", f"salesloop-test-{uuid.uuid4().hex[:6]}"
    found = {g.user.removeprefix(namespace): g for g in grants(namespace)}
    passwords = {g.user: uuid.uuid4().hex for g in found.values()}
    # Read from stdin: the broker node, not this process, would open a file path.
    rabbitmqctl("import_definitions", given=json.dumps(definitions(found.values(), passwords, vhost)))
    wait_for_users(set(passwords))
    host = urlparse(rabbitmq_url)
    urls = {name: f"amqp://{quote(g.user)}:{passwords[g.user]}@{host.hostname}:{host.port or 5672}/{quote(vhost, safe='')}"
            for name, g in found.items()}
    admin = f"amqp://{host.username}:{host.password}@{host.hostname}:{host.port or 5672}/{quote(vhost, safe='')}"
    rabbitmqctl("set_permissions", "-p", vhost, host.username or "guest", ".*", ".*", ".*")
    with Connection(admin) as connection:  # the exchange exists before anyone publishes
        Exchange(f"{namespace}salesloop.events", type="topic", durable=True)(connection.default_channel).declare()
    yield namespace, urls
    rabbitmqctl("delete_vhost", vhost)
    for grant in found.values():
        rabbitmqctl("delete_user", grant.user)


def publish(url: str, exchange: str, routing_key: str) -> None:
    with Connection(url, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            b"{}", exchange=Exchange(exchange, type="topic", durable=True), routing_key=routing_key,
            declare=[], retry=False)


@pytest.mark.parametrize("user, routing_key", [("leads", "deals.deal.won"), ("storefront", "deals.deal.won"),
                                                ("storefront", "orders.order.created"),
                                                ("kpi", "leads.customer.upserted")])
def test_a_forged_event_is_refused_by_the_broker(broker, user, routing_key):
    namespace, urls = broker
    with pytest.raises(AccessRefused, match="ACCESS_REFUSED"):
        publish(urls[user], f"{namespace}salesloop.events", routing_key)


@pytest.mark.parametrize("user, routing_key", [("deals", "deals.deal.won"), ("storefront", "storefront.order.placed"),
                                                ("service-desk", "service.survey.sent")])
def test_an_event_of_ones_own_is_published(broker, user, routing_key):
    namespace, urls = broker
    publish(urls[user], f"{namespace}salesloop.events", routing_key)


def test_a_service_declares_and_consumes_its_own_queues_only(broker):
    from salesloop.config import load_settings
    from salesloop.messaging.bus import Bus

    namespace, urls = broker
    own = Bus(load_settings("orders", bus_url=urls["orders"], bus_namespace=namespace))
    with own.connect() as connection:
        own.declare(connection, ["deals.contract.signed", "storefront.order.placed"])
    theirs = Bus(load_settings("deals", bus_url=urls["orders"], bus_namespace=namespace))
    with theirs.connect() as connection, pytest.raises(AccessRefused):
        theirs.declare(connection, ["leads.lead.converted"])
