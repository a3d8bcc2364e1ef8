"""The nemesis: a seeded schedule of faults, run in a thread while the workload runs.

- broker cut: the services' broker proxy closes every connection and refuses new ones;
- worker kill: a random service's worker SIGKILLed, restarted at once;
- relay kill between publish and mark: the broker proxy swallows replies (the
  publishes reach RabbitMQ, their confirms never come back), the relay of the
  busiest service is SIGKILLed while it waits, then the proxy is restored and the
  relay restarted: its rows were published and never marked sent, so they go again;
- database cut: the orders service's PostgreSQL proxy closes every connection.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from stack import SERVICES

RELAY_VICTIM = "orders"  # publishes an event per order made: always busy while the workload runs


@dataclass
class Nemesis:
    stack: object
    settings: object
    orders_http: threading.Lock  # held by whoever calls the orders API, so a database cut never lands mid-request
    log: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)  # processes that exited on their own, restarted
    last_fault_at: float | None = None
    error: BaseException | None = None

    def schedule(self, rng: random.Random) -> list[str]:
        faults = (["broker-cut"] * self.settings.broker_cuts + ["worker-kill"] * self.settings.worker_kills
                  + ["relay-kill"] * self.settings.relay_kills + ["database-cut"] * self.settings.database_cuts)
        rng.shuffle(faults)
        return faults

    def run(self, rng: random.Random, spread_seconds: float, stop: threading.Event) -> None:
        """Every fault once, at random moments across about ``spread_seconds``."""
        try:
            faults = self.schedule(rng)
            gap = spread_seconds / max(1, len(faults))
            for fault in faults:
                if stop.wait(rng.uniform(0.3 * gap, 1.2 * gap)):
                    return
                started = time.monotonic()
                detail = getattr(self, fault.replace("-", "_"))(rng)
                self.restart_crashed()
                self.last_fault_at = time.monotonic()
                self.log.append(f"{fault}: {detail} ({self.last_fault_at - started:.1f}s)")
                print(f"[fault] {self.log[-1]}", flush=True)
        except BaseException as error:  # the test thread reports it
            self.error = error

    def broker_cut(self, rng: random.Random) -> str:
        down_for = rng.uniform(1.0, 4.0)
        self.stack.proxy.cut()
        try:
            time.sleep(down_for)
        finally:
            self.stack.proxy.restore()
        return f"broker down {down_for:.1f}s"

    def worker_kill(self, rng: random.Random) -> str:
        service = rng.choice(SERVICES)
        self.stack.kill(service, "worker")
        self.stack.start(service, "worker")
        return f"{service} worker"

    def relay_kill(self, rng: random.Random) -> str:
        self.stack.proxy.black_hole()
        try:
            time.sleep(rng.uniform(0.5, 1.5))  # the relay publishes its batch and waits for confirms
            unsent = self.unsent_outbox(RELAY_VICTIM)
            self.stack.kill(RELAY_VICTIM, "relay")
        finally:
            self.stack.proxy.cut()  # drop the swallowed connections, then bring the broker back
            self.stack.proxy.restore()
        self.stack.start(RELAY_VICTIM, "relay")
        return f"{RELAY_VICTIM} relay killed awaiting confirms, {unsent} outbox rows unmarked"

    def database_cut(self, rng: random.Random) -> str:
        down_for = rng.uniform(1.0, 3.0)
        with self.orders_http:
            self.stack.db_proxy.cut()
            try:
                time.sleep(down_for)
            finally:
                self.stack.db_proxy.restore()
        return f"orders database down {down_for:.1f}s"

    def restart_crashed(self) -> None:
        """What a supervisor (systemd, a Kubernetes Deployment) does: start again a
        process that exited. Every such exit is recorded: the test names them."""
        for (service, process), child in list(self.stack.processes.items()):
            if child.poll() is not None:
                self.crashes.append(f"{service} {process} exited {child.returncode}")
                print(f"[fault] supervisor: {self.crashes[-1]}, restarted", flush=True)
                self.stack.processes.pop((service, process))
                self.stack.start(service, process)

    def unsent_outbox(self, service: str) -> int:
        engine = create_engine(self.stack.direct_database_urls[service])
        try:
            with engine.connect() as connection:
                return connection.execute(text("select count(*) from outbox where sent_at is null")).scalar()
        finally:
            engine.dispose()
