"""The embedded bus under concurrency: every message read exactly once, none read half-written.

kombu's stock filesystem channel fails this test: a reader that lists a file its
writer has just created reads an empty body, and that message is gone."""
from __future__ import annotations

import threading

from kombu import Exchange, Producer, Queue, binding

from salesloop.messaging.bus import filesystem_connection

WRITERS, READERS, EACH = 4, 3, 500
EXCHANGE = Exchange("race", type="topic", durable=True)


def _queue(channel) -> Queue:
    return Queue("race.q", bindings=[binding(EXCHANGE, routing_key="k")])(channel)


def test_concurrent_writers_and_readers_lose_and_double_nothing(tmp_path):
    url = f"filesystem://{tmp_path / 'bus'}"
    with filesystem_connection(url) as connection:
        EXCHANGE(connection.channel()).declare()
        _queue(connection.channel()).declare()
    received, failures, writing_done = [], [], threading.Event()

    def write(writer: int) -> None:
        with filesystem_connection(url) as connection:
            producer = Producer(connection.channel())
            for n in range(EACH):
                producer.publish({"n": f"{writer}-{n}"}, exchange=EXCHANGE, routing_key="k")

    def read() -> None:
        with filesystem_connection(url) as connection:
            queue = _queue(connection.channel())
            while True:
                try:
                    message = queue.get(no_ack=True)
                except Exception as exc:  # a half-written file: the message it held is lost
                    failures.append(repr(exc))
                    continue
                if message is not None:
                    received.append(message.payload["n"])
                elif writing_done.is_set():
                    return

    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    readers = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    writing_done.set()
    for thread in readers:
        thread.join(60)

    assert failures == []
    assert sorted(received) == sorted(f"{w}-{n}" for w in range(WRITERS) for n in range(EACH))
    assert not any((tmp_path / "bus" / "staging").iterdir()) and not any((tmp_path / "bus" / "claimed").iterdir())
