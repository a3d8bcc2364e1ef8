"""The broker topology: one topic exchange, a queue per service with its retry
and dead-letter queues. Works on RabbitMQ (quorum queues) and on kombu's
filesystem and memory transports for the embedded default and unit tests."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from salesloop.messaging import filesystem
from salesloop.messaging.kombu_typed import Connection, Exchange, Queue, binding

if TYPE_CHECKING:
    from salesloop.config import Settings

CONTENT_TYPE = "application/cloudevents+json"
DEFAULT_EXCHANGE = Exchange("", type="direct")


def filesystem_connection(url: str) -> Connection:
    """A connection to the embedded bus in the folder that ``url`` (filesystem://PATH) names."""
    options = filesystem.folders(Path(urlparse(url).path or "var/bus"))
    for folder in options.values():
        folder.mkdir(parents=True, exist_ok=True)
    return Connection("filesystem://localhost/", transport=filesystem.Transport,
                      transport_options={key: str(value) for key, value in options.items()})


class Bus:
    """Names and declarations for one service on one broker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.bus_url

    @property
    def is_amqp(self) -> bool:
        return self.url.startswith(("amqp://", "amqps://", "pyamqp://"))

    @property
    def kind(self) -> str:
        return "rabbitmq" if self.is_amqp else urlparse(self.url).scheme

    def connect(self, *, confirm: bool = False, wait_each: bool = True) -> Connection:
        """``confirm``: socket timeouts and publisher confirms; ``wait_each=False``
        leaves the waiting for confirms to the caller (a batch at a time)."""
        if self.url.startswith("filesystem://"):
            return filesystem_connection(self.url)
        options: dict[str, Any] = {}
        if confirm and self.is_amqp:
            # Publisher confirms, and socket timeouts so that a broker that stops
            # answering (a lost confirm, a half-open connection) raises instead of
            # blocking the relay forever.
            timeout = self.settings.confirm_timeout
            options = {"confirm_publish": wait_each, "read_timeout": timeout, "write_timeout": timeout}
        return Connection(self.url, heartbeat=30 if self.is_amqp else 0,
                          connect_timeout=5, transport_options=options)

    # -- names --------------------------------------------------------------
    @property
    def exchange(self) -> Exchange:
        return Exchange(self.settings.exchange, type="topic", durable=True)

    @property
    def queue_name(self) -> str:
        return self.settings.queue

    @property
    def retry_queue_name(self) -> str:
        return f"{self.queue_name}.retry"

    @property
    def dead_letter_queue_name(self) -> str:
        return f"{self.queue_name}.dlq"

    # -- queues ---------------------------------------------------------------
    def service_queue(self, routing_keys: list[str]) -> Queue:
        arguments: dict[str, Any] = {}
        if self.is_amqp:
            # Quorum queues count redeliveries; past the limit the broker itself
            # dead-letters (a handler that kills its worker can't loop forever).
            arguments = {
                "x-queue-type": "quorum",
                "x-delivery-limit": self.settings.delivery_limit,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.dead_letter_queue_name,
            }
        return Queue(
            self.queue_name,
            bindings=[binding(self.exchange, routing_key=key) for key in routing_keys],
            durable=True,
            queue_arguments=arguments,
        )

    def retry_queue(self) -> Queue:
        arguments: dict[str, Any] = {}
        if self.is_amqp:
            # A message waits here for its per-message expiration (the back-off),
            # then the broker dead-letters it back onto the service queue.
            arguments = {"x-queue-type": "quorum", "x-dead-letter-exchange": "",
                         "x-dead-letter-routing-key": self.queue_name}
        return Queue(self.retry_queue_name, exchange=DEFAULT_EXCHANGE,
                     routing_key=self.retry_queue_name, durable=True, queue_arguments=arguments)

    def dead_letter_queue(self) -> Queue:
        # Replicated like the service queue: a parked message must survive a node.
        arguments: dict[str, Any] = {"x-queue-type": "quorum"} if self.is_amqp else {}
        return Queue(self.dead_letter_queue_name, exchange=DEFAULT_EXCHANGE,
                     routing_key=self.dead_letter_queue_name, durable=True, queue_arguments=arguments)

    def declare(self, connection: Connection, routing_keys: list[str]) -> Queue:
        channel = connection.default_channel
        self.exchange(channel).declare()
        self.dead_letter_queue()(channel).declare()
        self.retry_queue()(channel).declare()
        queue = self.service_queue(routing_keys)(channel)
        queue.declare()
        return queue

    def declare_exchange(self, connection: Connection) -> None:
        self.exchange(connection.default_channel).declare()

    def queue_depth(self, connection: Connection, name: str) -> int | None:
        """Messages ready in a queue, or None when the transport can't tell."""
        stats = self.queue_stats(connection, name)
        return stats[0] if stats else None

    def queue_stats(self, connection: Connection, name: str) -> tuple[int, int] | None:
        """(messages ready, consumers) of a queue, or None when the transport can't tell."""
        try:
            result = connection.default_channel.queue_declare(queue=name, passive=True)
        except Exception:  # a missing queue or a transport without passive declare
            return None
        count = getattr(result, "message_count", None)
        return None if count is None else (count, getattr(result, "consumer_count", 0))

    def delete_all(self, connection: Connection) -> None:
        """Remove this service's queues and the exchange (test clean-up only)."""
        channel = connection.default_channel
        for name in (self.queue_name, self.retry_queue_name, self.dead_letter_queue_name):
            try:
                channel.queue_delete(name)
            except Exception:
                channel = connection.channel()
