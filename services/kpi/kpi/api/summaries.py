"""Finished summaries, kept per process by what they were computed from.

A dashboard asks for the same month many times between two changes; the key
holds the projection, whose generation moves with every committed change to the
log, the rollups or the rep directory, so a summary is computed once per change
and never served after the next one. Entries of older generations simply age out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app

SIZE = 256  # summaries: periods × slices asked for at once, with room


class SummaryCache:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: two requests may both compute, never block each other
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def summaries() -> SummaryCache:
    """The app's cache, made on first use."""
    cache: SummaryCache = current_app.extensions.setdefault("kpi_summaries", SummaryCache())
    return cache
