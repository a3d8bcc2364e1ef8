"""`make bench`: every benchmark, each against its baseline in the same run.

Figures are printed, never asserted: speed is watched here, not in the tests.
"""
from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

BENCHMARKS = ["leads_capture", "kpi_ingest", "kpi_summary"]


def main(names: list[str]) -> int:
    for name in names or BENCHMARKS:
        if not (HERE / f"{name}.py").exists():
            print(f"\n== {name}: not present")
            continue
        started = time.perf_counter()
        importlib.import_module(name).run()
        print(f"   ({name} took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
