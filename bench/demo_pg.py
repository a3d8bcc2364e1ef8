"""`make demo` on PostgreSQL + RabbitMQ against the embedded default (a SQLite file
per service, the filesystem bus), with the same arguments, in the same run: the
whole stack as separate processes each time (the end-to-end tests' Stack), the
demo's wall time from its start to its last check. BENCH_DEMO_LEADS sets the
leads (60; 25 with --quick). The ratio is embedded / PostgreSQL: 1 means as fast,
0.67 is the goal of at most 1.5× slower."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from common import POSTGRES, RABBITMQ, ROOT, report
from loop import ORDERS_ENV, delete_queues, e2e_stack

LEADS = int(os.environ.get("BENCH_DEMO_LEADS", 60))
DEMO = ROOT / "examples" / "demo.py"
DESK_ENV = {"SERVICE_DESK_SLA_SWEEP_SECONDS": "1"}


def _demo(stack, leads: int) -> dict:
    urls = [f"--url={service}={stack.url(service)}" for service in e2e_stack().SERVICES]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(DEMO), *urls, "--leads", str(leads), "--seed", "42"], env=stack.env,
                          cwd=stack.workdir, capture_output=True, text=True, timeout=900)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the demo failed ({done.returncode}) on {stack.name}:\n{done.stdout[-3000:]}\n"
                           f"{done.stderr[-3000:]}")
    return {"leads": leads, "seconds": elapsed}


def _on(backend: str, leads: int) -> dict:
    from salesloop.testing.servers import throwaway_database

    e2e = e2e_stack()
    with ExitStack() as resources:
        workdir = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-demo-{backend}-")))
        if backend == "postgresql":
            databases = {service: resources.enter_context(throwaway_database(POSTGRES, f"bench_demo_{service[:5]}"))
                         for service in e2e.SERVICES}
            bus = RABBITMQ
        else:
            databases = {service: f"sqlite:///{workdir / (service + '.sqlite3')}" for service in e2e.SERVICES}
            bus = f"filesystem://{workdir / 'bus'}"
        stack = e2e.Stack(workdir, databases, bus, f"bench{uuid.uuid4().hex[:6]}.", api_workers=1,
                                   service_env={"orders": ORDERS_ENV, "service-desk": DESK_ENV}, name=backend)
        resources.callback(stack.stop_all)
        if stack.is_amqp:
            resources.callback(delete_queues, stack, e2e.SERVICES)
        stack.start_all()
        return _demo(stack, leads)


def run(quick: bool = False) -> dict:
    leads = min(LEADS, 25) if quick else LEADS
    candidate = _on("postgresql", leads)
    baseline = _on("embedded", leads)
    return report("demo_pg", f"make demo --leads {leads} on PostgreSQL + RabbitMQ, against the embedded default",
                  candidate, baseline, "seconds", "s", higher_is_better=False)


if __name__ == "__main__":
    run()
