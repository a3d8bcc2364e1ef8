"""`make run`: every service's API, worker and relay as separate processes.

Migrates each database first, starts the workers (so their queues and
bindings exist before anything is published), then the relays and the APIs.
Output of every process is shown prefixed with its name and kept in
var/log/<service>-<process>.log. Ctrl-C (or SIGTERM) stops them all.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

SERVICES = {"leads": 8001, "deals": 8002, "orders": 8003, "service-desk": 8004, "kpi": 8005}
PROCESSES = ("worker", "relay", "api")


def _command(service: str, process: str, port: int) -> list[str]:
    command = [str(Path(sys.executable).parent / f"salesloop-{service}"), process]
    if process == "api":
        command += ["--port", str(port), "--workers", os.environ.get("WEB_CONCURRENCY", "1")]
    return command


def _pump(name: str, stream, log_path: Path) -> None:
    with open(log_path, "a", encoding="utf-8") as log:
        for line in iter(stream.readline, ""):
            log.write(line)
            log.flush()
            sys.stdout.write(f"[{name}] {line}")
            sys.stdout.flush()


def _start(name: str, command: list[str], log_dir: Path) -> subprocess.Popen:
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             bufsize=1, start_new_session=True)
    threading.Thread(target=_pump, args=(name, child.stdout, log_dir / f"{name}.log"), daemon=True).start()
    return child


def _migrate(services: list[str]) -> None:
    for service in services:
        subprocess.run(_command(service, "migrate", 0), check=True)


def _stop(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the whole Salesloop stack")
    parser.add_argument("--only", nargs="*", choices=sorted(SERVICES), help="run only these services")
    args = parser.parse_args(argv)
    services = args.only or list(SERVICES)
    data_dir = Path(os.environ.setdefault("SALESLOOP_DATA_DIR", str(Path("var").resolve())))
    log_dir = data_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    _migrate(services)
    children: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        for process in PROCESSES:
            for service in services:
                name = f"{service}.{process}"
                children[name] = _start(name, _command(service, process, SERVICES[service]), log_dir)
            time.sleep(1.5 if process == "worker" else 0)
        print("salesloop: " + ", ".join(f"{s} http://127.0.0.1:{SERVICES[s]}" for s in services), flush=True)
        while not stopping.is_set():
            dead = [name for name, child in children.items() if child.poll() is not None]
            if dead:
                print(f"salesloop: {', '.join(dead)} exited; stopping the stack", flush=True)
                return 1
            stopping.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("salesloop: stopping", flush=True)
        _stop(children)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
