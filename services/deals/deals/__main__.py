"""``salesloop-deals`` / ``python -m deals``: api, worker, relay, migrate, dlq, token."""
from salesloop.cli import make_main

from deals.app import create_app
from deals.bootstrap import spec

main = make_main(spec, create_app)

if __name__ == "__main__":
    raise SystemExit(main())
