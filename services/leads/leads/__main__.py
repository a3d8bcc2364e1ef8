"""``salesloop-leads`` / ``python -m leads``: api, worker, relay, migrate, dlq, token — and
``import FILE``, a CSV import from the command line with its progress as it goes."""
from __future__ import annotations

import sys

from salesloop.cli import make_main

from leads.app import create_app
from leads.bootstrap import spec

_shared_main = make_main(spec, create_app)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["import"]:
        from leads.commands.import_cli import main as import_main

        return import_main(argv[1:])
    return _shared_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
