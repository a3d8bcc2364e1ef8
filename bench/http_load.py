"""What the write-path benchmarks (deals_sign, orders_transition, desk_ticket, rss)
share: a service's database migrated and served under gunicorn, signed tokens, the
records a benchmark needs prepared in-process, a bounded HTTP load that takes any
method and path, and the bare-insert baseline (bench/baseline_app.py, the one
leads_capture measures against) run with the same clients and time budget.

The load is ``common.load``, the one bounded Python client every HTTP benchmark
uses (threads, one ``requests`` session each, a time and a request budget, any
method and path, p99), able to stop when a benchmark's prepared records run out.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


from common import ROOT, Step, database, gunicorn, gunicorn_process, load, report

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
SECONDS = float(os.environ.get("BENCH_SECONDS", 8))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
# What every service benchmark runs with: no broker (the outbox is still written), no
# exporter, and a public rate limit no bench reaches (the survey link is public).
SERVICE_ENV = {"BUS_URL": "memory://", "OTEL_SDK_DISABLED": "true", "PUBLIC_RATE_LIMIT": "100000000/minute"}

# (method, path, JSON body) of the next request, or None when the client has nothing left to send.


def seconds_for(quick: bool) -> float:
    return min(SECONDS, 3.0) if quick else SECONDS


def post_each(make_path: Callable[[int, int], str | None], make_body: Callable[[int, int], dict]):
    """A ``next_request`` POSTing ``make_body(c, i)`` to ``make_path(c, i)`` (None: stop)."""
    def step(c: int, i: int) -> Step | None:
        path = make_path(c, i)
        return None if path is None else ("POST", path, make_body(c, i))
    return step


def token(service: str, user: str, roles: list[str], *, team: str | None = None,
          region: str | None = None) -> str:
    sys.path.insert(0, str(ROOT / "shared"))
    from salesloop.config import load_settings
    from salesloop.web.auth import issue_token

    return issue_token(load_settings(service), user, roles, team=team, region=region)


def bearer(service: str, user: str, roles: list[str], **scope) -> dict:
    return {"Authorization": f"Bearer {token(service, user, roles, **scope)}"}


@contextmanager
def migrated(service: str, prefix: str) -> Iterator[dict]:
    """A throwaway PostgreSQL database migrated to the service's head; yields the service's env."""
    with database(prefix) as url:
        env = {**SERVICE_ENV, "DATABASE_URL": url}
        subprocess.run([os.path.join(os.path.dirname(sys.executable), f"salesloop-{service}"), "migrate"],
                       env={**os.environ, **env}, check=True, capture_output=True)
        yield env


@contextmanager
def runtime(spec, env: dict):
    """The service built in this process on the benchmark's database, to prepare records
    with its own commands (quicker than the HTTP steps, and the same rows)."""
    from salesloop.config import load_settings
    from salesloop.service import Runtime

    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        built = Runtime(spec, load_settings(spec.name))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        yield built
    finally:
        built.database.engine.dispose()


def serve(app: str, env: dict):
    return gunicorn(app, env, WORKERS)


def baseline(seconds: float, *, clients: int = CLIENTS) -> dict:
    """The bare Flask + SQLAlchemy insert (bench/baseline_app.py) under the same gunicorn,
    clients and time, with a one-second warm-up as every candidate gets."""
    def body(c: int, i: int) -> dict:
        n = c * 1_000_000 + i
        return {"company": f"Bench Co {n}", "contact": {"name": "王伟", "phone": f"139{n:08d}"},
                "needs": "需要报价 quote 50 seats"}

    with database("bench_base") as url, serve("bench.baseline_app:create_app()", {"DATABASE_URL": url}) as base:
        load(base, post_each(lambda c, i: "/leads", lambda c, i: body(c + 500, i)), {}, clients=2, seconds=1.0)
        return load(base, post_each(lambda c, i: "/leads", body), {}, clients=clients, seconds=seconds)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def combined(parts: dict[str, dict]) -> dict:
    """One candidate figure from several endpoints measured one after another: the
    requests of all over the time of all (so the slower endpoint weighs as it costs),
    with each endpoint's own figures kept beside it."""
    total = sum(p["requests"] for p in parts.values())
    seconds = sum(p["requests"] / p["per_second"] for p in parts.values() if p["per_second"])
    figures: dict = {"requests": total, "failures": sum(p["failures"] for p in parts.values()),
                     "per_second": total / seconds if seconds else 0.0,
                     "p99_ms": max((p["p99_ms"] or 0.0) for p in parts.values())}
    for name, part in parts.items():
        for key in ("per_second", "p50_ms", "p99_ms", "requests", "failures"):
            figures[f"{name}_{key}"] = part[key]
        if "first_failure" in part:
            figures[f"{name}_first_failure"] = part["first_failure"]
    return figures


@contextmanager
def served_with_workers(app: str, env: dict, workers: int = WORKERS):
    """``common.gunicorn``, also yielding a function that lists the worker processes'
    pids (the master's children)."""
    with gunicorn_process(app, env, workers) as (base, master):
        yield base, lambda: _children(master.pid)


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as listing:
        return [int(p) for p in listing.read().split()]


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (VmRSS from /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def against_baseline(name: str, requests_sent: str, parts: dict[str, dict], seconds: float) -> dict:
    """The candidate's parts combined, the bare insert measured right after with the same
    clients and time, both with the machine's load; the line printed and the record kept."""
    description = (f"{requests_sent} under gunicorn ({WORKERS} workers) on PostgreSQL, {CLIENTS} clients, "
                   f"{seconds:.0f} s each, against a bare Flask + SQLAlchemy insert")
    candidate = combined(parts)
    candidate["load_average"] = load_average()
    base_figures = baseline(seconds)
    base_figures["load_average"] = load_average()
    return report(name, description, candidate, base_figures, "per_second", "req/s")

