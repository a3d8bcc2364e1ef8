"""``salesloop-console api [--port 8000]``: the console under gunicorn."""
from __future__ import annotations

import argparse
import os

from gunicorn.app.base import BaseApplication

from salesloop.logs import configure_logging

from console.app import create_app


class Server(BaseApplication):
    def __init__(self, host: str, port: int, workers: int):
        self.bind, self.workers = f"{host}:{port}", workers
        super().__init__()

    def load_config(self):
        self.cfg.set("bind", self.bind)
        self.cfg.set("workers", self.workers)
        self.cfg.set("accesslog", "-")

    def load(self):
        return create_app()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="salesloop-console", description="Salesloop console")
    commands = parser.add_subparsers(dest="command", required=True)
    api = commands.add_parser("api", help="serve the console under gunicorn")
    api.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    api.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    api.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    args = parser.parse_args(argv)
    configure_logging("console", "api")
    Server(args.host, args.port, args.workers).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
