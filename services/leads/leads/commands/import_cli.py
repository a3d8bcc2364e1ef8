"""``salesloop-leads import FILE``: stage a CSV (read as a stream) and capture it batch by batch,
printing the progress after each batch: rows done of the total, imported, failed so far."""
from __future__ import annotations

import argparse
import sys
import time

from salesloop.config import load_settings
from salesloop.logs import configure_logging
from salesloop.service import Runtime

from leads.bootstrap import spec
from leads.commands import importing
from leads.config import leads_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesloop-leads import", description=__doc__.split("\n")[0])
    parser.add_argument("file", help="the CSV file (UTF-8, BOM or not; English or Chinese column names)")
    parser.add_argument("--user", default="import-cli", help="recorded as the leads' capturer (default: import-cli)")
    parser.add_argument("--team", help="the importing user's team")
    parser.add_argument("--record-duplicates", action="store_true", help="import duplicates as linked records")
    parser.add_argument("--batch", type=int, help="rows committed together (default: LEADS_IMPORT_BATCH_ROWS)")
    parser.add_argument("--quiet", action="store_true", help="print only the final line")
    return parser


def main(argv: list[str], out=None) -> int:
    args = _parser().parse_args(argv)
    out = out or sys.stdout
    configure_logging("leads", "import")
    runtime = Runtime(spec(), load_settings("leads"))
    batch = args.batch or leads_config(runtime.settings).import_batch_rows
    started = time.perf_counter()
    unit = runtime.uow()
    try:
        with open(args.file, "rb") as binary:
            job = importing.stage_import(unit, binary, filename=args.file.rsplit("/", 1)[-1], by=args.user,
                                         team=args.team, record_duplicates=args.record_duplicates)
        unit.commit()
        print(f"import {job.id}: {job.total_rows} rows staged, {job.rejected} refused by their fields "
              f"({time.perf_counter() - started:.1f} s)", file=out, flush=True)
        for progress in importing.run_to_end(unit, job.id, batch):
            if not args.quiet or progress.finished:
                print(progress.line(time.perf_counter() - started), file=out, flush=True)
    except importing.InvalidField as exc:
        print(f"refused: {exc.field} {exc.reason}", file=sys.stderr)
        return 2
    finally:
        unit.close()
        runtime.database.dispose()
    return 0
