"""``salesloop-leads`` / ``python -m leads``: api, worker, relay, migrate, dlq, token."""
from salesloop.cli import make_main

from leads.app import create_app
from leads.bootstrap import spec

main = make_main(spec, create_app)

if __name__ == "__main__":
    raise SystemExit(main())
