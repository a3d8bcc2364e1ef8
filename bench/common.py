"""Shared pieces of the benchmarks: servers on free ports, a bounded HTTP load,
throwaway PostgreSQL databases, and printing figures with their ratio."""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "var" / "bench" / "results.json"
VENV_BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RABBITMQ = os.environ.get("BENCH_BUS_URL", "amqp://guest:guest@127.0.0.1:5672//")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database(prefix: str):
    sys.path.insert(0, str(ROOT / "shared"))
    from salesloop.testing.servers import throwaway_database

    with throwaway_database(POSTGRES, prefix=prefix) as url:
        yield url


@contextmanager
def gunicorn(app: str, env: dict, workers: int = 2):
    """Serve a WSGI app under gunicorn on a free port until the block ends."""
    with gunicorn_process(app, env, workers) as (base, _):
        yield base


@contextmanager
def gunicorn_process(app: str, env: dict, workers: int = 2):
    """``gunicorn``, also yielding the master process (its children are the workers)."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--log-level", "warning", app]
    child = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{app} did not start: {child.stderr.read() if child.poll() is not None else ''}")
        yield base, child
    finally:
        child.terminate()
        child.wait(20)


# What a client sends next: (method, path, JSON body); None ends that client.
Step = tuple[str, str, dict | None]


def load(base: str, next_request: Callable[[int, int], Step | None], headers: dict, *, clients: int = 8,
         seconds: float = 8.0, max_requests: int = 20000) -> dict:
    """Send requests as fast as ``clients`` threads can for a bounded time and count;
    ``next_request(client, i)`` says what client ``client`` sends as its ``i``-th."""
    latencies: list[float] = []
    failures = [0]
    statuses: dict[int, int] = {}
    first_failure: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    issued = [0]

    def client(n: int) -> None:
        session = requests.Session()
        i = 0
        while time.monotonic() < stop_at:
            with lock:
                if issued[0] >= max_requests:
                    return
                issued[0] += 1
            step = next_request(n, i)
            if step is None:
                return
            method, path, body = step
            started = time.perf_counter()
            try:
                response = session.request(method, base + path, json=body, headers=headers, timeout=30)
            except requests.RequestException as exc:  # counted, not a dead client thread
                with lock:
                    failures[0] += 1
                    if not first_failure:
                        first_failure.append(f"{method} {path}: {type(exc).__name__}: {exc}"[:300])
                i += 1
                continue
            elapsed = time.perf_counter() - started
            with lock:
                if response.status_code < 300:
                    latencies.append(elapsed)
                else:
                    failures[0] += 1
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if not first_failure:
                        first_failure.append(f"{method} {path}: {response.status_code} {response.text[:300]}")
            i += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()

    def quantile(q: float) -> float | None:
        return 1000 * latencies[int(q * (len(latencies) - 1))] if latencies else None

    figures = {
        "requests": len(latencies), "failures": failures[0], "failure_statuses": statuses,
        "per_second": len(latencies) / wall if wall else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p95_ms": quantile(0.95), "p99_ms": quantile(0.99),
    }
    if first_failure:
        figures["first_failure"] = first_failure[0]
    return figures


def http_load(url: str, make_body, headers: dict, *, clients: int = 8, seconds: float = 8.0,
              max_requests: int = 20000) -> dict:
    """POST ``make_body(client, i)`` to ``url`` as fast as ``clients`` threads can (``load``)."""
    return load(url, lambda c, i: ("POST", "", make_body(c, i)), headers, clients=clients, seconds=seconds,
                max_requests=max_requests)


def report(name: str, title: str, candidate: dict, baseline: dict, key: str, unit: str,
           higher_is_better: bool = True) -> dict:
    """Print the benchmark's one line (``NAME: candidate …, baseline …, ratio R``) and its
    details; return the record bench/run.py keeps in var/bench/results.json.

    The ratio is always "how many times better than the baseline is the candidate"
    read the way the unit reads: candidate/baseline for rates, baseline/candidate
    for latencies — so above 1 is better than the baseline, below 1 worse."""
    if higher_is_better:
        ratio = candidate[key] / baseline[key] if baseline[key] else float("nan")
    else:
        ratio = baseline[key] / candidate[key] if candidate[key] else float("nan")
    print(f"{name}: candidate {candidate[key]:.1f} {unit}, baseline {baseline[key]:.1f} {unit}, ratio {ratio:.3f}")
    print(f"   {title}")
    print("   candidate: " + _extras(candidate))
    print("   baseline : " + _extras(baseline))
    return {"name": name, "title": title, "unit": unit, "key": key, "higher_is_better": higher_is_better,
            "candidate": candidate[key], "baseline": baseline[key], "ratio": ratio,
            "candidate_figures": candidate, "baseline_figures": baseline}


def _extras(figures: dict) -> str:
    return "  ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())


def raw_confirmed_publish(count: int) -> dict:
    """The broker's own rate on this machine: a bare kombu publisher sending ``count``
    persistent 400-byte messages with mandatory routing and a confirm for each, to a
    queue of its own that it deletes afterwards."""
    import uuid

    from kombu import Connection, Exchange, Producer, Queue

    namespace = f"bench{uuid.uuid4().hex[:6]}."
    exchange = Exchange(f"{namespace}raw", type="topic", durable=True)
    queue = Queue(f"{namespace}raw", exchange=exchange, routing_key="#", durable=True)
    body = b"x" * 400
    with Connection(RABBITMQ, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        queue(channel).declare()
        producer = Producer(channel, exchange=exchange, auto_declare=False)
        try:
            started = time.perf_counter()
            for n in range(count):
                producer.publish(body, routing_key="bench.raw", delivery_mode=2, mandatory=True,
                                 message_id=str(n), retry=False)
            elapsed = time.perf_counter() - started
        finally:
            channel.queue_delete(queue.name)
            channel.exchange_delete(exchange.name)
    return {"messages": count, "seconds": elapsed, "per_second": count / elapsed}
