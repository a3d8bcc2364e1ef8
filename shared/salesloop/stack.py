"""`make run`: every service's API, worker and relay as separate processes, on honcho.

The stack is written as a Procfile (var/Procfile) and run by honcho, which
prefixes each process's output with its name and stops them all when one exits
(or on Ctrl-C). Before it starts, each database is migrated. One more process,
``ready``, waits until every /readyz answers 200 and says so in one line.

    make run BASE_PORT=9000            # console 9000 (when installed), leads 9001 … kpi 9005
    make run ONLY="leads deals"        # a subset (without the console, which reads all five)
    BUS_NAMESPACE=demo. make run       # exchange demo.salesloop.events, queues demo.<service>

Each process inherits the environment, so ``<SERVICE>_*`` variables
(LEADS_DATABASE_URL, KPI_…) reach their service; every process also gets
``<SERVICE>_URL`` of each API so services and the console can find each other.
"""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# Offsets from BASE_PORT, in the order the stack starts them.
SERVICES = {"leads": 1, "deals": 2, "orders": 3, "service-desk": 4, "kpi": 5}
PROCESSES = ("worker", "relay", "api")
DEFAULT_BASE_PORT = 8000
READY_TIMEOUT_SECONDS = 120


def env_prefix(service: str) -> str:
    return service.upper().replace("-", "_")


def ports(services: list[str], base_port: int) -> dict[str, int]:
    return {service: base_port + SERVICES[service] for service in services}


def urls(services: list[str], base_port: int) -> dict[str, str]:
    return {f"{env_prefix(s)}_URL": f"http://127.0.0.1:{port}" for s, port in ports(services, base_port).items()}


def executable(service: str) -> str:
    return str(Path(sys.executable).parent / f"salesloop-{service}")


def console_installed() -> bool:
    return Path(executable("console")).exists()


def procfile(services: list[str], base_port: int, *, api_workers: int = 1, console: bool = False) -> str:
    """One line per process: ``leads-api: salesloop-leads api --port 8001 --workers 1``; with
    ``console``, the console on the base port itself (it finds the APIs by ``<SERVICE>_URL``)."""
    lines = []
    for process in PROCESSES:
        for service, port in ports(services, base_port).items():
            command = [executable(service), process]
            if process == "api":
                command += ["--port", str(port), "--workers", str(api_workers)]
            lines.append(f"{service}-{process}: {shlex.join(command)}")
    probes = [f"http://127.0.0.1:{p}/readyz" for p in ports(services, base_port).values()]
    if console:
        command = [executable("console"), "api", "--host", "127.0.0.1", "--port", str(base_port),
                   "--workers", str(api_workers)]
        lines.append(f"console: {shlex.join(command)}")
        probes.append(f"http://127.0.0.1:{base_port}/readyz")
    ready = [sys.executable, "-m", "salesloop.stack", "ready", *probes]
    lines.append(f"ready: {shlex.join(ready)}")
    return "\n".join(lines) + "\n"


def migrate(services: list[str]) -> bool:
    for service in services:
        if subprocess.run([executable(service), "migrate"]).returncode != 0:
            print(f"salesloop: {service} could not migrate its database; nothing was started", flush=True)
            return False
    return True


def wait_ready(probes: list[str], timeout: float = READY_TIMEOUT_SECONDS) -> bool:
    pending, deadline = list(probes), time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = [url for url in pending if not _answers(url)]
        if pending:
            time.sleep(0.5)
    return not pending


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            status: int = response.status  # urlopen's result is untyped
            return status == 200
    except OSError:
        return False


def ready(probes: list[str]) -> int:
    """The ``ready`` process: one line when all answer, then stays up (honcho stops all when one exits)."""
    if not wait_ready(probes):
        print(f"salesloop: not ready after {READY_TIMEOUT_SECONDS} s: some /readyz never answered 200", flush=True)
        return 1
    print(f"salesloop: all {len(probes)} services ready", flush=True)
    while True:
        time.sleep(3600)


def run(services: list[str], base_port: int, *, console: bool = False) -> int:
    data_dir = Path(os.environ.setdefault("SALESLOOP_DATA_DIR", str(Path("var").resolve())))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(urls(services, base_port))
    if not migrate(services):
        return 1
    path = data_dir / "Procfile"
    path.write_text(procfile(services, base_port, api_workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
                             console=console))
    env_file = data_dir / "stack.env"  # honcho reads .env by default; ours is empty on purpose
    env_file.write_text("")
    code = subprocess.run([str(Path(sys.executable).parent / "honcho"), "--no-colour", "-e", str(env_file),
                           "-f", str(path), "start"]).returncode
    if code not in (0, -2, 130):
        print(f"salesloop: a process of the stack exited (code {code}); every process was stopped — "
              "its last lines are above, prefixed with its name", flush=True)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the whole Salesloop stack")
    commands = parser.add_subparsers(dest="command")
    probe = commands.add_parser("ready", help="wait until each /readyz answers 200")
    probe.add_argument("probes", nargs="+")
    parser.add_argument("--only", nargs="*", choices=sorted(SERVICES), help="run only these services")
    parser.add_argument("--base-port", type=int,
                        default=int(os.environ.get("BASE_PORT") or DEFAULT_BASE_PORT))
    args = parser.parse_args(argv)
    if args.command == "ready":
        return ready(args.probes)
    # The console reads all five services: it runs with the whole stack, when it is installed.
    return run(args.only or list(SERVICES), args.base_port, console=not args.only and console_installed())


if __name__ == "__main__":
    raise SystemExit(main())
