"""``salesloop-kpi`` / ``python -m kpi``: api, worker, relay, migrate, dlq, token."""
from salesloop.cli import make_main

from kpi.app import create_app
from kpi.bootstrap import spec

main = make_main(spec, create_app)

if __name__ == "__main__":
    raise SystemExit(main())
