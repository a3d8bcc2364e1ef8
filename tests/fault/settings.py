"""The fault suite's knobs, from the environment: ``make test`` runs the defaults,
``make soak`` raises them (see the Makefile)."""
from __future__ import annotations

import os
import random
from dataclasses import dataclass

DB_CUT_SERVICE = "orders"  # the busiest database: every storefront order, contract and delivery writes to it


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class FaultSettings:
    events: int            # FAULT_EVENTS: storefront orders + signed contracts + deliveries
    broker_cuts: int       # FAULT_BROKER_CUTS: the services' broker proxy cut and restored
    worker_kills: int      # FAULT_WORKER_KILLS: a random service's worker SIGKILLed and restarted
    relay_kills: int       # FAULT_RELAY_KILLS: a relay SIGKILLed while its publishes wait for confirms
    database_cuts: int     # FAULT_DB_CUTS: the orders service's database connections cut
    poison_percent: float  # FAULT_POISON_PERCENT: poison messages per 100 events (every kind at least once)
    seed: int              # FAULT_SEED: the fault schedule's random seed (printed; set it to replay a run)
    drain_timeout: float   # FAULT_DRAIN_SECONDS: how long the stack may take to settle after the last fault
    stall_timeout: float   # FAULT_STALL_SECONDS: how long the drain may go without any progress

    @classmethod
    def from_environment(cls) -> FaultSettings:
        return cls(events=_int("FAULT_EVENTS", 500), broker_cuts=_int("FAULT_BROKER_CUTS", 3),
                   worker_kills=_int("FAULT_WORKER_KILLS", 5), relay_kills=_int("FAULT_RELAY_KILLS", 1),
                   database_cuts=_int("FAULT_DB_CUTS", 1),
                   poison_percent=float(os.environ.get("FAULT_POISON_PERCENT", 1)),
                   seed=_int("FAULT_SEED", random.SystemRandom().randrange(10**9)),
                   drain_timeout=float(os.environ.get("FAULT_DRAIN_SECONDS", 300)),
                   stall_timeout=float(os.environ.get("FAULT_STALL_SECONDS", 120)))

    @property
    def contracts(self) -> int:
        return max(2, self.events // 50)

    @property
    def deliveries(self) -> int:
        return max(2, self.events // 10)

    @property
    def storefront_orders(self) -> int:
        return self.events - self.contracts - self.deliveries

    @property
    def fault_spread_seconds(self) -> float:
        """How long the nemesis spreads its faults over: about as long as the clients take."""
        return float(os.environ.get("FAULT_SPREAD_SECONDS", max(20.0, self.events * 0.06)))
