"""`make bench` / `bench/run.py NAME [--quick]`: each benchmark against its baseline
measured in the same run, one line each:

    NAME: candidate X unit, baseline Y unit, ratio R

and every figure merged into var/bench/results.json (a run of one benchmark keeps
the others' last results). Figures are printed, never asserted: speed is watched
here, not in the tests. ``--quick`` runs each on a smaller load.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE.parent / "var" / "bench" / "results.json"
BENCHMARKS = ["relay", "kpi_ingest", "leads_capture", "leads_import", "kpi_summary", "pipeline", "hop_latency", "demo_pg", "deals_sign", "orders_transition", "desk_ticket", "rss"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], metavar="NAME",
                        help=f"one or more of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="a smaller load, for a first look")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in args.names or BENCHMARKS:
        started = time.perf_counter()
        record = importlib.import_module(name).run(quick=args.quick)
        record.update(seconds=round(time.perf_counter() - started, 1), quick=args.quick,
                      at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        results[name] = record
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
