"""The Leads service's own settings, on top of the shared ones.

Each value comes from ``settings.extra`` (tests pass it through the harness)
or from a ``LEADS_*`` environment variable, read when asked, never at import.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from salesloop.config import ConfigError


@dataclass(frozen=True)
class LeadsConfig:
    overdue_sweep_seconds: float = 60.0   # how often the worker looks for missed follow-ups
    overdue_batch: int = 500              # leads flagged per sweep run (keeps the worker responsive)
    pool_sweep_seconds: float = 300.0     # how often the unassigned pool is offered to reps again
    pool_batch: int = 200
    import_max_bytes: int = 64 * 1024 * 1024
    import_batch_rows: int = 500          # rows committed together during a CSV import
    import_sync_rows: int = 500           # up to this many good rows are captured within the upload request
    import_sweep_seconds: float = 1.0     # how often the worker captures a batch of a larger import
    max_page_size: int = 200


_ENV = {
    "overdue_sweep_seconds": ("LEADS_OVERDUE_SWEEP_SECONDS", float),
    "overdue_batch": ("LEADS_OVERDUE_BATCH", int),
    "pool_sweep_seconds": ("LEADS_POOL_SWEEP_SECONDS", float),
    "pool_batch": ("LEADS_POOL_BATCH", int),
    "import_max_bytes": ("LEADS_IMPORT_MAX_BYTES", int),
    "import_batch_rows": ("LEADS_IMPORT_BATCH_ROWS", int),
    "import_sync_rows": ("LEADS_IMPORT_SYNC_ROWS", int),
    "import_sweep_seconds": ("LEADS_IMPORT_SWEEP_SECONDS", float),
    "max_page_size": ("LEADS_MAX_PAGE_SIZE", int),
}


def leads_config(settings=None) -> LeadsConfig:
    extra = dict(getattr(settings, "extra", None) or {})
    values = {}
    for name, (env, kind) in _ENV.items():
        raw = extra.get(name, os.environ.get(env))
        if raw in (None, ""):
            continue
        try:
            values[name] = kind(raw)
        except ValueError as exc:
            raise ConfigError(f"{env} must be a {kind.__name__}, got {raw!r}") from exc
    return LeadsConfig(**values)
