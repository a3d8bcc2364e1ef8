"""``salesloop-kpi`` / ``python -m kpi``: api, worker, relay, migrate, dlq, token — and rebuild.

``rebuild`` is the KPI service's own command (the shared CLI has none): it drops
the projections and rebuilds them from the fact log, like POST /admin/rebuild.
"""
import json
import sys

from salesloop.cli import make_main

from kpi.app import create_app
from kpi.bootstrap import spec

shared_main = make_main(spec, create_app)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["rebuild"]:
        from kpi.rebuild import rebuild_service

        print(json.dumps(rebuild_service().__dict__))
        return 0
    return shared_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
