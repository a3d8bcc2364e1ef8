"""Running a whole write transaction again when the database chose it as a deadlock's or
a serialization conflict's victim, instead of answering the caller 409 for a lost race."""
from __future__ import annotations

import random
import time
from typing import TypeVar
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from salesloop.web.conflicts import is_write_conflict

T = TypeVar("T")
ATTEMPTS = 4
BACKOFF_SECONDS = 0.02


def committed(unit, work: Callable[[object], T], *, attempts: int = ATTEMPTS,
              backoff_seconds: float = BACKOFF_SECONDS, sleep=time.sleep) -> T:
    """``work(unit)`` then commit; on a deadlock or serialization failure (or SQLite's
    "database is locked") roll everything back and run it again, at most ``attempts`` times.

    ``work`` must start from the database alone (no state kept from a failed attempt):
    the rollback has forgotten whatever it wrote and the events it published.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            result = work(unit)
            unit.commit()
            return result
        except OperationalError as exc:
            if attempt == attempts or not is_write_conflict(exc):
                raise
            unit.rollback()
            # A little random wait, so the two victims of one race do not meet again at once.
            sleep(backoff_seconds * attempt * (0.5 + random.random()))
    raise AssertionError("unreachable: the last attempt returns or raises")
