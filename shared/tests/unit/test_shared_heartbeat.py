"""A worker's or relay's liveness: alive while its loop turns, ready while connected."""
from __future__ import annotations

from salesloop.messaging.health import Heartbeat


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_alive_while_beating_and_stale_when_the_loop_stops():
    clock = Clock()
    heartbeat = Heartbeat(stale_after=30, clock=clock)
    heartbeat.beat(ready=True)
    clock.now += 29
    assert heartbeat.state()["alive"] and heartbeat.state()["ready"]
    clock.now += 2
    state = heartbeat.state()
    assert not state["alive"] and not state["ready"] and state["seconds_since_beat"] == 31


def test_not_ready_but_alive_while_the_broker_is_away():
    heartbeat = Heartbeat(stale_after=30, clock=Clock())
    heartbeat.not_ready("broker unavailable: ConnectionRefusedError")
    state = heartbeat.state()
    assert state["alive"] and not state["ready"] and "broker unavailable" in state["why"]


def test_a_plain_beat_keeps_the_readiness_it_had():
    heartbeat = Heartbeat(stale_after=30, clock=Clock())
    heartbeat.beat(ready=True)
    heartbeat.beat()
    assert heartbeat.state()["ready"]
