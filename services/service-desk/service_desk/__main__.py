"""``salesloop-service-desk`` / ``python -m service_desk``: api, worker, relay, migrate, dlq, token."""
from salesloop.cli import make_main

from service_desk.app import create_app
from service_desk.bootstrap import spec

main = make_main(spec, create_app)

if __name__ == "__main__":
    raise SystemExit(main())
