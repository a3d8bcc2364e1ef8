"""Latency of the KPI service's monthly summary (read from its rollups) with a
large fact log, against a plain SQL GROUP BY over the raw facts in the same
database and run (the baseline). BENCH_FACTS sets the log size (1,000,000)."""
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


def run(quick: bool = False) -> dict:
    facts = min(FACTS, 50_000) if quick else FACTS
    from kpi_data import bulk_load, monthly_summary, monthly_summary_raw, synthetic_events
    from kpi.bootstrap import spec
    from kpi.config import load_config
    from salesloop.config import load_settings
    from salesloop.migrations import upgrade
    from salesloop.service import Runtime

    with database("bench_kpi") as url:
        service = spec()
        upgrade(service.migrations, url)
        runtime = Runtime(service, load_settings("kpi", database_url=url, bus_url="memory://"))
        started = time.perf_counter()
        bulk_load(runtime, synthetic_events(facts))
        print(f"   loaded {facts:,} facts and built the rollups in {time.perf_counter() - started:.0f} s")
        config = load_config(runtime.settings)
        with runtime.database.session(writes=False) as session:
            # Not the same shape: the rollups give finished metrics (revenue net of
            # cancellations, ratios…) per rep; the baseline only counts and sums raw rows.
            assert monthly_summary(session, config, MONTH)["rep"] and monthly_summary_raw(session, config, MONTH)
            rollups = _timed(lambda: monthly_summary(session, config, MONTH), REPEATS)
            raw = _timed(lambda: monthly_summary_raw(session, config, MONTH), REPEATS)
        runtime.database.dispose()
    return report("kpi_summary", f"monthly summary of {MONTH} with {facts:,} facts on PostgreSQL (rollups), "
                  "against a plain GROUP BY over the raw facts", rollups, raw, "p50_ms", "ms", higher_is_better=False)


if __name__ == "__main__":
    run()
