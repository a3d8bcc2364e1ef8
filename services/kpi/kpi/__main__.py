"""``salesloop-kpi`` / ``python -m kpi``: api, worker, relay, migrate, dlq, token — and rebuild.

``rebuild`` is the KPI service's own command (the shared CLI has none): it drops
the projections and rebuilds them from the fact log, like POST /admin/rebuild.
"""
from __future__ import annotations

import json
import sys

from salesloop.cli import make_main
from salesloop.config import Settings
from salesloop.service import Runtime

from kpi.app import create_app
from kpi.bootstrap import spec
from kpi.commands.rebuild import RebuildResult, rebuild
from kpi.config import load_config

shared_main = make_main(spec, create_app)


def rebuild_service(settings: Settings | None = None) -> RebuildResult:
    """The whole rebuild as a command (``salesloop-kpi rebuild``): on the
    service's DATABASE_URL, committed at the end."""
    runtime = Runtime(spec(), settings)
    config = load_config(runtime.settings)
    try:
        with runtime.database.session() as session:
            result = rebuild(session, config, now=config.clock())
            session.commit()
        return result
    finally:
        runtime.database.dispose()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["rebuild"]:
        print(json.dumps(rebuild_service().__dict__))
        return 0
    return shared_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
