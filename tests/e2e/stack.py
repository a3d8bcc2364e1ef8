"""The five services as separate processes — migrate, then worker, relay and
API (gunicorn) per service — on the databases and broker a test chooses.

The stack is driven the way operations would drive it: each process is its
service's own command line (``salesloop-<service> worker``…), configured by the
environment only. A test may kill (SIGKILL), stop (SIGTERM) and start any
process; every process writes its output to ``<workdir>/log/<service>-<process>.log``.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

SERVICES = ("leads", "deals", "orders", "service-desk", "kpi")
PG_RABBITMQ = "pg-rabbitmq"  # a PostgreSQL database per service, RabbitMQ
EMBEDDED = "embedded"  # the default with nothing installed: SQLite files, kombu's filesystem transport
PROCESSES = ("worker", "relay", "api")
BIN = Path(sys.executable).parent
EXCHANGE = "salesloop.events"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env_prefix(service: str) -> str:
    return service.upper().replace("-", "_")


class StackError(RuntimeError):
    """The stack could not start, or one of its processes died."""


class Stack:
    def __init__(self, workdir: Path, database_urls: dict[str, str], bus_url: str, namespace: str,
                 otlp_endpoint: str | None = None, extra_env: dict | None = None, *,
                 broker_url: str | None = None, service_env: dict[str, dict] | None = None,
                 api_workers: int = 2, name: str = "stack"):
        """``bus_url`` is what the services use (a cuttable proxy, say); ``broker_url``
        the real broker, for the test's own tools (the storefront, the mailbox, dlq)."""
        self.name = name
        self.workdir = workdir
        self.database_urls = database_urls
        self.bus_url = bus_url
        self.broker_url = broker_url or bus_url
        self.namespace = namespace
        self.api_workers = api_workers
        self.service_env = service_env or {}
        self.ports = {service: _free_port() for service in SERVICES}
        self.env = {
            **os.environ,
            "BUS_URL": bus_url,
            "BUS_NAMESPACE": namespace,
            "SALESLOOP_DATA_DIR": str(workdir),
            "CONSUMER_RETRY_BASE_SECONDS": "0.2",
            "RELAY_POLL_SECONDS": "0.1",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_TRACES_SAMPLER": "parentbased_always_on",
            **(extra_env or {}),
        }
        if otlp_endpoint:
            self.env.update(OTEL_EXPORTER_OTLP_ENDPOINT=otlp_endpoint, OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf")
        self.processes: dict[tuple[str, str], subprocess.Popen] = {}
        self.conflicts: list[str] = []  # 409 "concurrent change" answers met by the test's clients
        self.proxy = None  # the cuttable broker between the services and RabbitMQ, when there is one
        self.started_in: float | None = None
        (workdir / "log").mkdir(parents=True, exist_ok=True)

    # -- names ---------------------------------------------------------------------------------
    @property
    def exchange(self) -> str:
        return f"{self.namespace}{EXCHANGE}"

    def queue(self, service: str) -> str:
        return f"{self.namespace}{service}"

    @property
    def is_amqp(self) -> bool:
        return self.bus_url.startswith(("amqp://", "amqps://", "pyamqp://"))

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    # -- environment ---------------------------------------------------------------------------
    def _service_env(self, service: str, bus_url: str | None = None) -> dict:
        prefix = _env_prefix(service)
        env = {**self.env, **self.service_env.get(service, {}), "OTEL_SERVICE_NAME": service,
               "DATABASE_URL": self.database_urls[service],
               # <SERVICE>_DATABASE_URL wins over DATABASE_URL: never let the runner's leak in.
               f"{prefix}_DATABASE_URL": self.database_urls[service]}
        if bus_url:
            env["BUS_URL"] = bus_url
        return env

    def _command(self, service: str, process: str, *args: str) -> list[str]:
        command = [str(BIN / f"salesloop-{service}"), process, *args]
        if process == "api":
            command += ["--host", "127.0.0.1", "--port", str(self.ports[service]),
                        "--workers", str(self.api_workers)]
        return command

    # -- life cycle ------------------------------------------------------------------------------
    def migrate(self) -> None:
        """All five databases at once: they are independent."""
        running = {service: subprocess.Popen(self._command(service, "migrate"), env=self._service_env(service),
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                   for service in SERVICES}
        for service, child in running.items():
            output, _ = child.communicate(timeout=180)
            if child.returncode != 0:
                raise StackError(f"{service} migrate failed ({child.returncode}):\n{output[-4000:]}")

    def start(self, service: str, process: str, env: dict[str, str] | None = None) -> None:
        """Start one process; ``env`` overrides settings for this run of it only."""
        if (service, process) in self.processes:
            raise StackError(f"{service} {process} is already running")
        log = open(self.workdir / "log" / f"{service}-{process}.log", "a")
        try:
            self.processes[(service, process)] = subprocess.Popen(
                self._command(service, process), env={**self._service_env(service), **(env or {})}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()  # the child has its own copy of the descriptor

    def start_all(self) -> None:
        self.migrate()
        for process in ("worker", "api"):
            for service in SERVICES:
                self.start(service, process)
        # Queues and bindings must exist before anything is published to them: the relays
        # start once every worker consumes (the APIs only write to their outboxes).
        self.wait_for_queues()
        for service in SERVICES:
            self.start(service, "relay")
        for service in SERVICES:
            self.wait_healthy(service)

    def wait_healthy(self, service: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if requests.get(f"{self.url(service)}/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise StackError(f"{service} API was not ready (/readyz) within {timeout:.0f}s\n"
                         f"{self.log_tail(service, 'api')}")

    def kill(self, service: str, process: str) -> None:
        """SIGKILL: no clean shutdown, no ack, no flush."""
        child = self.processes.pop((service, process))
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(10)

    def stop(self, service: str, process: str) -> None:
        child = self.processes.pop((service, process))
        self._terminate([child])

    def ensure_running(self, service: str, process: str) -> None:
        """Start the process if a test left it stopped or killed (so the next test has it)."""
        child = self.processes.get((service, process))
        if child is not None and child.poll() is None:
            return
        self.processes.pop((service, process), None)
        self.start(service, process)
        if process == "worker":
            self.wait_for_queues([service])

    def restart(self, service: str, process: str) -> None:
        self.stop(service, process)
        self.start(service, process)

    def stop_all(self) -> None:
        children = list(self.processes.values())
        self.processes.clear()
        self._terminate(children)

    @staticmethod
    def _terminate(children: list[subprocess.Popen], grace: float = 20) -> None:
        for child in children:
            try:
                os.killpg(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(10)

    # -- health ------------------------------------------------------------------------------------
    def dead(self) -> list[str]:
        return [f"{service} {process} (exit {child.returncode})"
                for (service, process), child in self.processes.items() if child.poll() is not None]

    def check_alive(self) -> None:
        dead = self.dead()
        if dead:
            tails = "\n".join(self.log_tail(*key) for key, child in self.processes.items()
                              if child.poll() is not None)
            raise StackError(f"processes died: {', '.join(dead)}\n{tails}")

    # -- queues --------------------------------------------------------------------------------------
    def wait_for_queues(self, services=SERVICES, timeout: float = 60) -> None:
        """Until each service's worker has declared its queue, bound it and started consuming."""
        deadline = time.monotonic() + timeout
        waiting = list(services)
        while time.monotonic() < deadline:
            self.check_alive()
            waiting = [service for service in waiting if not self._consuming(service)]
            if not waiting:
                return
            time.sleep(0.2)
        raise StackError(f"no consumer on the queues of {', '.join(waiting)} after {timeout:.0f}s\n"
                         + "\n".join(self.log_tail(service, "worker") for service in waiting))

    def _consuming(self, service: str) -> bool:
        if self.is_amqp:
            return self.consumer_count(service) > 0
        return self.queue(service) in {queue for _, _, queue in self.filesystem_bindings()}

    def consumer_count(self, service: str) -> int:
        return self._queue_state(service)[1]

    def ready_messages(self, service: str) -> int:
        """Messages waiting in a service's queue (RabbitMQ), not yet taken by a consumer."""
        return self._queue_state(service)[0]

    def _queue_state(self, service: str) -> tuple[int, int]:
        from kombu import Connection

        try:
            with Connection(self.broker_url, connect_timeout=5) as connection:
                result = connection.default_channel.queue_declare(queue=self.queue(service), passive=True)
                return result.message_count, result.consumer_count
        except Exception:  # not declared yet (the channel error closes the channel)
            return 0, 0

    def filesystem_bindings(self) -> list[tuple[str, str, str]]:
        """(routing key, pattern, queue) rows kombu's filesystem transport keeps per exchange."""
        table = self.bus_folder() / "control" / f"{self.exchange}.exchange"
        try:
            return [tuple(row) for row in json.loads(table.read_text() or "[]")]
        except (FileNotFoundError, ValueError):
            return []

    def bus_folder(self) -> Path:
        return Path(urlparse(self.bus_url).path)

    # -- operations' tools ----------------------------------------------------------------------------
    def cli(self, service: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """``salesloop-<service> <args>`` as an operator runs it, against the real broker."""
        return subprocess.run([str(BIN / f"salesloop-{service}"), *args], text=True, capture_output=True,
                              env=self._service_env(service, bus_url=self.broker_url), timeout=timeout)

    def dead_letters(self, service: str, *, cli: bool = False) -> list[dict]:
        """The summaries of the messages parked in a service's dead-letter queue.

        ``cli=True`` runs ``salesloop-<service> dlq list`` as an operator would (a
        process start: seconds); otherwise the same library call, in this process."""
        if cli:
            result = self.cli(service, "dlq", "list")
            if result.returncode != 0:
                raise StackError(f"{service} dlq list failed: {result.stderr[-2000:]}")
            return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        from salesloop.config import load_settings
        from salesloop.messaging.bus import Bus
        from salesloop.messaging.deadletters import DeadLetterQueue

        settings = load_settings(service, bus_url=self.broker_url, bus_namespace=self.namespace)
        return [letter.summary() for letter in DeadLetterQueue(Bus(settings)).list()]

    # -- logs ----------------------------------------------------------------------------------------
    def logs(self, service: str, process: str) -> str:
        path = self.workdir / "log" / f"{service}-{process}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self, service: str, process: str, lines: int = 25) -> str:
        tail = self.logs(service, process).splitlines()[-lines:]
        return f"--- {self.workdir}/log/{service}-{process}.log (last {len(tail)} lines)\n" + "\n".join(tail)


def forget_broker_names(stack: Stack) -> None:
    """Drop a run's queues and exchange from the shared RabbitMQ."""
    from kombu import Connection

    with Connection(stack.broker_url, connect_timeout=5) as connection:
        channel = connection.channel()
        names = [stack.queue(s) + suffix for s in SERVICES for suffix in ("", ".retry", ".dlq")]
        for name in names:
            try:
                channel.queue_delete(name)
            except Exception:
                channel = connection.channel()
        try:
            channel.exchange_delete(stack.exchange)
        except Exception:
            pass
