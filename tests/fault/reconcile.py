"""What the stack holds after the drain, read straight from each service's
PostgreSQL database and from RabbitMQ, against what the clients sent."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kombu import Connection
from sqlalchemy import create_engine, text

from stack import SERVICES


@dataclass(frozen=True)
class Effect:
    name: str
    expected: int
    got: int
    lost: int
    doubled: int


def count_effect(name: str, expected_keys, found: Counter) -> Effect:
    """``found`` counts each key's effects; any key seen more than once is doubled."""
    expected = set(expected_keys)
    return Effect(name, len(expected), sum(found[key] for key in expected),
                  lost=sum(1 for key in expected if found[key] == 0),
                  doubled=sum(1 for key in expected if found[key] > 1))


def query(stack, service: str, sql: str, **params) -> list[tuple]:
    engine = create_engine(stack.direct_database_urls[service])
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def counter(rows: list[tuple]) -> Counter:
    return Counter(row[0] for row in rows)


def orders_by(stack, column: str) -> Counter:
    return counter(query(stack, "orders", f"select {column} from orders where {column} is not null"))


def order_ids_of(stack, storefront_order_ids) -> dict[str, str]:
    rows = query(stack, "orders", "select storefront_order_id, id from orders where storefront_order_id is not null")
    wanted = set(storefront_order_ids)
    return {storefront_id: order_id for storefront_id, order_id in rows if storefront_id in wanted}


def facts_by(stack, event_type: str, column: str) -> Counter:
    return counter(query(stack, "kpi", f"select {column} from facts where event_type = :t", t=event_type))


def surveys_by_order(stack) -> Counter:
    return counter(query(stack, "service-desk", "select order_id from surveys where order_id is not null"))


def unsent_outbox(stack) -> dict[str, int]:
    return {service: query(stack, service, "select count(*) from outbox where sent_at is null")[0][0]
            for service in SERVICES}


def queue_depths(stack, suffix: str) -> dict[str, int]:
    """Messages in each service's queue (``""``) or retry queue (``".retry"``), taken or not."""
    depths = {}
    with Connection(stack.broker_url, connect_timeout=5) as connection:
        for service in SERVICES:
            channel = connection.channel()
            try:
                depths[service] = channel.queue_declare(queue=stack.queue(service) + suffix, passive=True).message_count
            finally:
                channel.close()
    return depths


def print_table(effects: list[Effect]) -> None:
    widths = (34, 9, 9, 6, 8)
    header = ("effect", "expected", "got", "lost", "doubled")
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for e in effects:
        cells = (e.name, e.expected, e.got, e.lost, e.doubled)
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)))
