"""Latency of the KPI service's monthly summary — ``GET /kpis?period=2026-06``
for a director, every metric of the month company-wide with its growth, through
the Flask app (auth, slice, projection, JSON) — with a large fact log, against a
plain SQL GROUP BY over the raw facts of the month in the same database and run
(the baseline). BENCH_FACTS sets the log size (1,000,000; --quick 50,000).

The candidate is read as a dashboard reads it: the first ask after a change
computes the summary from the rollups ("cold", reported alongside); every ask
until the next change is served as computed (the figure compared)."""
from __future__ import annotations

import os
import statistics
import time

from common import database, report

FACTS = int(os.environ.get("BENCH_FACTS", 1_000_000))
REPEATS = int(os.environ.get("BENCH_REPEATS", 15))
MONTH = "2026-06"


def _timed(call, repeats: int) -> dict:
    call()  # warm the caches once
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(1000 * (time.perf_counter() - started))
    samples.sort()
    return {"p50_ms": statistics.median(samples), "min_ms": samples[0], "max_ms": samples[-1], "runs": repeats}


def _cold(harness, repeats: int) -> dict:
    """Each ask after a change of generation: the summary computed from the rollups."""
    from sqlalchemy import text

    samples = []
    for _ in range(repeats):
        with harness.runtime.database.engine.begin() as connection:
            connection.execute(text("UPDATE projection_state SET generation = generation + 1"))
        started = time.perf_counter()
        _ask(harness)
        samples.append(1000 * (time.perf_counter() - started))
    return {"cold_p50_ms": statistics.median(samples), "cold_max_ms": max(samples)}


def _ask(harness) -> None:
    from salesloop.testing.identities import DIRECTOR

    response = harness.get(f"/kpis?period={MONTH}", **DIRECTOR)
    assert response.status_code == 200 and response.get_json()["metrics"]["revenue"]["value"], response.get_json()


def run(quick: bool = False) -> dict:
    facts = min(FACTS, 50_000) if quick else FACTS
    from kpi_data import bulk_load, monthly_summary_raw, synthetic_events
    from kpi.app import create_app
    from kpi.bootstrap import spec
    from kpi.config import load_config
    from salesloop.testing.harness import ServiceHarness

    with database("bench_kpi") as url:
        harness = ServiceHarness(spec(), create_app, database_url=url, migrate=True)
        started = time.perf_counter()
        bulk_load(harness.runtime, synthetic_events(facts))
        print(f"   loaded {facts:,} facts and built the rollups in {time.perf_counter() - started:.0f} s")
        config = load_config(harness.runtime.settings)
        cold = _cold(harness, max(3, REPEATS // 3))
        candidate = {**_timed(lambda: _ask(harness), REPEATS), **cold}
        with harness.runtime.database.session(writes=False) as session:
            assert monthly_summary_raw(session, config, MONTH)
            raw = _timed(lambda: monthly_summary_raw(session, config, MONTH), REPEATS)
        harness.close()
    return report("kpi_summary", f"GET /kpis?period={MONTH} (every metric, company-wide) with {facts:,} facts on "
                  "PostgreSQL, served as computed until the next change (cold: computed from the rollups), "
                  "against a plain GROUP BY over the raw facts", candidate, raw, "p50_ms", "ms",
                  higher_is_better=False)


if __name__ == "__main__":
    run()
