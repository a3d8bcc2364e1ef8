"""The one command line every service has: api, worker, relay, migrate, dlq, token."""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from salesloop.config import load_settings
from salesloop.logs import configure_logging
from salesloop.messaging.health import DEFAULT_STALE_AFTER, Heartbeat, serve_health
from salesloop.service import Runtime, ServiceSpec, run_until_stopped
from salesloop.telemetry import setup_tracing, shutdown_tracing

if TYPE_CHECKING:
    from flask import Flask
    from prometheus_client import CollectorRegistry


def _parser(spec: ServiceSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"salesloop-{spec.name}", description=spec.title)
    commands = parser.add_subparsers(dest="command", required=True)
    api = commands.add_parser("api", help="serve the HTTP API under gunicorn")
    api.add_argument("--port", type=int, default=int(os.environ.get("PORT", spec.port)))
    api.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    api.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    commands.add_parser("worker", help="consume events and run the periodic sweeps")
    commands.add_parser("relay", help="publish the outbox to the broker")
    migrate = commands.add_parser("migrate", help="apply the database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.add_argument("--create-database", action="store_true",
                         help="create the PostgreSQL database first when it does not exist")
    dlq = commands.add_parser("dlq", help="inspect and replay dead letters")
    dlq.add_argument("action", choices=["list", "show", "replay", "purge"])
    dlq.add_argument("letter_id", nargs="?", help="the letter id that dlq list prints")
    dlq.add_argument("--event-id", help="every letter of this event id")
    dlq.add_argument("--data", help="a JSON file replacing the event's data on replay")
    dlq.add_argument("--all", action="store_true", help="every parked message")
    token = commands.add_parser("token", help="issue a development token")
    token.add_argument("--user", default="dev-user")
    token.add_argument("--role", action="append", dest="roles")
    token.add_argument("--team")
    token.add_argument("--region")
    token.add_argument("--hours", type=float, default=12)
    token.add_argument("--audience", action="append", help="a service the token is for (default: all five)")
    return parser


def make_main(spec_factory: Callable[[], ServiceSpec], app_factory: Callable[..., Flask]) -> Callable[[], int]:
    def main(argv: list[str] | None = None) -> int:
        spec = spec_factory()
        args = _parser(spec).parse_args(argv)
        return COMMANDS[args.command](spec, app_factory, args) or 0

    return main


def _api(spec: ServiceSpec, app_factory: Callable[..., Flask], args: argparse.Namespace) -> None:
    from gunicorn.app.base import BaseApplication

    configure_logging(spec.name, "api")

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("graceful_timeout", 20)
            self.cfg.set("proc_name", f"salesloop-{spec.name}-api")

        def load(self) -> Flask:
            return app_factory()

    Server().run()


def _worker(spec: ServiceSpec, _app_factory: Callable[..., Flask], _args: argparse.Namespace) -> None:
    from prometheus_client import CollectorRegistry

    from salesloop.messaging.worker import consumed_counter

    configure_logging(spec.name, "worker")
    setup_tracing(spec.name)
    registry = CollectorRegistry()
    runtime = Runtime(spec)
    heartbeat = _serve_health(runtime, "worker", registry, port_variable="WORKER_METRICS_PORT")
    worker = runtime.worker(metrics=consumed_counter(registry), heartbeat=heartbeat)

    def run(stop: threading.Event) -> None:
        def stop_worker() -> None:  # a def, not a lambda: mypy refuses setattr's None as a value
            stop.wait()
            worker.should_stop = True

        threading.Thread(target=stop_worker, daemon=True).start()
        worker.run()

    run_until_stopped(run)
    shutdown_tracing()


def _relay(spec: ServiceSpec, _app_factory: Callable[..., Flask], _args: argparse.Namespace) -> None:
    configure_logging(spec.name, "relay")
    setup_tracing(spec.name)
    runtime = Runtime(spec)
    heartbeat = _serve_health(runtime, "relay", None, port_variable="RELAY_HEALTH_PORT")
    run_until_stopped(runtime.relay(heartbeat=heartbeat).run)
    shutdown_tracing()


def _serve_health(runtime: Runtime, process: str, registry: CollectorRegistry | None, *,
                  port_variable: str) -> Heartbeat:
    """/healthz, /readyz (and the worker's /metrics) on the process's health port, when one is set."""
    heartbeat = Heartbeat(stale_after=_number_env("PROCESS_STALE_SECONDS", DEFAULT_STALE_AFTER))
    port = os.environ.get(port_variable) or os.environ.get("HEALTH_PORT")
    if port:
        serve_health(heartbeat, int(port), service=runtime.spec.name, process=process, registry=registry)
    return heartbeat


def _number_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def _migrate(spec: ServiceSpec, _app_factory: Callable[..., Flask], args: argparse.Namespace) -> int | None:
    from salesloop.migrations import DatabaseUnavailable, prepare_database, upgrade

    settings = load_settings(spec.name)
    try:
        if prepare_database(settings.database_url, create=args.create_database):
            print(f"{spec.name}: created its database")
    except DatabaseUnavailable as exc:
        print(f"{spec.name}: {exc}", file=sys.stderr)
        return 2
    upgrade(cast(Path, spec.migrations), settings.database_url, args.revision)  # ServiceSpec.assemble sets it
    print(f"{spec.name}: database at revision {args.revision}")
    return None


def _dlq(spec: ServiceSpec, _app_factory: Callable[..., Flask], args: argparse.Namespace) -> int:
    from salesloop.messaging.deadletters import DeadLetterQueue, Selection

    queue = DeadLetterQueue(Runtime(spec).bus)
    try:
        selection = Selection(letter_id=args.letter_id, event_id=args.event_id, every=args.all)
    except ValueError:
        selection = None
    if args.action == "list" and selection is None:
        letters = queue.list()
        for letter in letters:
            print(json.dumps(letter.summary(), ensure_ascii=False))
        print(f"{len(letters)} message(s) in {queue.bus.dead_letter_queue_name}", file=sys.stderr)
        return 0
    if selection is None:
        print("name one letter id (from dlq list), --event-id ID, or --all", file=sys.stderr)
        return 2
    if args.action in ("list", "show"):
        letters = [letter for letter in queue.list() if selection.takes(letter)]
        for letter in letters:
            shown = {**letter.summary(), "body": letter.body.decode("utf-8", "replace")} if args.action == "show" \
                else letter.summary()
            print(json.dumps(shown, ensure_ascii=False, indent=2 if args.action == "show" else None))
        return 0 if letters else 1
    if args.action == "replay":
        fixed = None
        if args.data:
            with open(args.data, encoding="utf-8") as data:
                fixed = json.load(data)
        result = queue.replay(selection, fixed_data=fixed)
    else:
        result = queue.purge(selection)
    for letter_id, why in result.kept.items():
        print(f"kept {letter_id}: {why}", file=sys.stderr)
    print(f"{args.action}: {result.count} message(s)" + (f", {len(result.kept)} kept" if result.kept else ""))
    return 0 if result.count and not result.kept else 1


def _token(spec: ServiceSpec, _app_factory: Callable[..., Flask], args: argparse.Namespace) -> None:
    from salesloop.web.auth import issue_token

    settings = load_settings(spec.name)
    print(issue_token(settings, args.user, args.roles or ["rep"], team=args.team, region=args.region,
                      hours=args.hours, audience=args.audience))


COMMANDS: dict[str, Callable[[ServiceSpec, Callable[..., Flask], argparse.Namespace], int | None]] = {
    "api": _api, "worker": _worker, "relay": _relay, "migrate": _migrate, "dlq": _dlq, "token": _token}
