"""``salesloop-orders`` / ``python -m orders``: api, worker, relay, migrate, dlq, token."""
from salesloop.cli import make_main

from orders.app import create_app
from orders.bootstrap import spec

main = make_main(spec, create_app)

if __name__ == "__main__":
    raise SystemExit(main())
