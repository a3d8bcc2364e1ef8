"""kombu's classes, with the signatures this library calls them with.

kombu ships py.typed, but nearly all of its API is unannotated, and strict mypy
refuses calls to unannotated functions from typed code. For the type checker
only, the classes we use are declared here as a partial stub (subclasses that
add signatures); at run time these names are kombu's own classes, untouched.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ConsumerMixin", "Connection", "Exchange", "Message", "Producer", "Queue", "binding"]

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from kombu import connection as _connection
    from kombu import entity as _entity
    from kombu import message as _message
    from kombu import messaging as _messaging
    from kombu import mixins as _mixins

    class Connection(_connection.Connection):
        def __init__(self, hostname: str = ..., *, transport: Any = ..., connect_timeout: float = ...,
                     heartbeat: float = ..., transport_options: dict[str, Any] | None = ...) -> None: ...
        def __enter__(self) -> Connection: ...
        # kombu names the virtual transports' Channel here; on AMQP it is py-amqp's.
        @property
        def default_channel(self) -> Any: ...
        def channel(self) -> Any: ...
        def ensure_connection(self, *, max_retries: int | None = ..., timeout: float | None = ...) -> Connection: ...
        def drain_events(self, *, timeout: float | None = ..., **kwargs: Any) -> None: ...
        def heartbeat_check(self, rate: int = ...) -> None: ...
        def release(self) -> None: ...

    class Exchange(_entity.Exchange):
        name: str

        def __init__(self, name: str = ..., type: str = ..., channel: Any = ..., *, durable: bool = ...) -> None: ...
        def declare(self, nowait: bool = ..., passive: bool | None = ..., channel: Any = ...) -> Any: ...

    class binding(_entity.binding):
        def __init__(self, exchange: Exchange | None = ..., routing_key: str = ...) -> None: ...

    class Queue(_entity.Queue):
        name: str

        def __init__(self, name: str = ..., exchange: Exchange | None = ..., routing_key: str = ..., *,
                     bindings: Iterable[binding] | None = ..., durable: bool = ...,
                     queue_arguments: dict[str, Any] | None = ...) -> None: ...
        def declare(self, nowait: bool = ..., channel: Any = ...) -> str: ...
        def get(self, no_ack: bool | None = ..., accept: Iterable[str] | None = ...) -> Message | None: ...

    class Message(_message.Message):
        body: Any  # bytes from a broker; whatever a test handed over otherwise
        headers: dict[str, Any] | None
        properties: dict[str, Any]
        delivery_info: dict[str, Any]
        content_type: str | None
        content_encoding: str | None

        @property
        def acknowledged(self) -> bool: ...
        def ack(self, multiple: bool = ...) -> None: ...
        def requeue(self) -> None: ...

    class Producer(_messaging.Producer):
        channel: Any

        def __init__(self, channel: Any, exchange: Exchange | None = ..., routing_key: str | None = ..., *,
                     auto_declare: bool | None = ..., on_return: Callable[..., Any] | None = ...) -> None: ...
        def publish(self, body: bytes | str, routing_key: str | None = ..., delivery_mode: int | None = ...,
                    mandatory: bool = ..., immediate: bool = ..., priority: int = ..., content_type: str | None = ...,
                    content_encoding: str | None = ..., serializer: str | None = ...,
                    headers: dict[str, Any] | None = ..., compression: str | None = ...,
                    exchange: Exchange | str | None = ..., retry: bool = ..., retry_policy: dict[str, Any] | None = ...,
                    declare: list[Any] | None = ..., expiration: float | None = ..., timeout: float | None = ...,
                    confirm_timeout: float | None = ..., **properties: Any) -> Any: ...

    class ConsumerMixin(_mixins.ConsumerMixin):
        should_stop: bool

        def run(self, _tokens: int = ..., **kwargs: Any) -> None: ...
        def on_connection_error(self, exc: Exception, interval: float) -> None: ...
else:
    from kombu.connection import Connection
    from kombu.entity import Exchange, Queue, binding
    from kombu.message import Message
    from kombu.messaging import Producer
    from kombu.mixins import ConsumerMixin
