"""The one command line every service has: api, worker, relay, migrate, dlq, token."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Callable

from salesloop.config import load_settings
from salesloop.logs import configure_logging
from salesloop.service import Runtime, ServiceSpec, run_until_stopped
from salesloop.telemetry import setup_tracing, shutdown_tracing


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
    dlq = commands.add_parser("dlq", help="inspect and replay dead letters")
    dlq.add_argument("action", choices=["list", "show", "replay", "purge"])
    dlq.add_argument("event_id", nargs="?")
    dlq.add_argument("--data", help="a JSON file replacing the event's data on replay")
    dlq.add_argument("--all", action="store_true", help="replay or purge every parked message")
    token = commands.add_parser("token", help="issue a development token")
    token.add_argument("--user", default="dev-user")
    token.add_argument("--role", action="append", dest="roles")
    token.add_argument("--team")
    token.add_argument("--region")
    token.add_argument("--hours", type=float, default=12)
    return parser


def make_main(spec_factory: Callable[[], ServiceSpec], app_factory: Callable) -> Callable[[], int]:
    def main(argv: list[str] | None = None) -> int:
        spec = spec_factory()
        args = _parser(spec).parse_args(argv)
        return COMMANDS[args.command](spec, app_factory, args) or 0

    return main


def _api(spec, app_factory, args):
    from gunicorn.app.base import BaseApplication

    configure_logging(spec.name, "api")

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("graceful_timeout", 20)
            self.cfg.set("proc_name", f"salesloop-{spec.name}-api")

        def load(self):
            return app_factory()

    Server().run()


def _worker(spec, _app_factory, _args):
    from prometheus_client import CollectorRegistry, start_http_server

    from salesloop.messaging.worker import consumed_counter

    configure_logging(spec.name, "worker")
    setup_tracing(spec.name)
    registry = CollectorRegistry()
    metrics = consumed_counter(registry)
    if os.environ.get("WORKER_METRICS_PORT"):
        start_http_server(int(os.environ["WORKER_METRICS_PORT"]), registry=registry)
    worker = Runtime(spec).worker(metrics=metrics)

    def run(stop):
        import threading

        threading.Thread(target=lambda: (stop.wait(), setattr(worker, "should_stop", True)), daemon=True).start()
        worker.run()

    run_until_stopped(run)
    shutdown_tracing()


def _relay(spec, _app_factory, _args):
    configure_logging(spec.name, "relay")
    setup_tracing(spec.name)
    run_until_stopped(Runtime(spec).relay().run)
    shutdown_tracing()


def _migrate(spec, _app_factory, args):
    from salesloop.migrations import upgrade

    settings = load_settings(spec.name)
    upgrade(spec.migrations, settings.database_url, args.revision)
    print(f"{spec.name}: database at revision {args.revision}")


def _dlq(spec, _app_factory, args):
    from salesloop.messaging.deadletters import DeadLetterQueue

    queue = DeadLetterQueue(Runtime(spec).bus)
    if args.action in ("list", "show"):
        letters = queue.list()
        if args.action == "show":
            letters = [l for l in letters if l.event_id == args.event_id]
            for letter in letters:
                print(json.dumps({**letter.summary(), "body": letter.body.decode("utf-8", "replace")},
                                 ensure_ascii=False, indent=2))
            return 0 if letters else 1
        for letter in letters:
            print(json.dumps(letter.summary(), ensure_ascii=False))
        print(f"{len(letters)} message(s) in {queue.bus.dead_letter_queue_name}", file=sys.stderr)
        return 0
    if not (args.event_id or args.all):
        print("name an event id, or pass --all", file=sys.stderr)
        return 2
    if args.action == "replay":
        fixed = json.load(open(args.data, encoding="utf-8")) if args.data else None
        count = queue.replay(args.event_id, fixed_data=fixed)
    else:
        count = queue.purge(args.event_id)
    print(f"{args.action}: {count} message(s)")
    return 0 if count else 1


def _token(spec, _app_factory, args):
    from salesloop.web.auth import issue_token

    settings = load_settings(spec.name)
    print(issue_token(settings, args.user, args.roles or ["rep"], team=args.team, region=args.region,
                      hours=args.hours))


COMMANDS = {"api": _api, "worker": _worker, "relay": _relay, "migrate": _migrate, "dlq": _dlq, "token": _token}
