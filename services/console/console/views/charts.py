"""Chart specifications from API figures, for the page's ECharts bundle (frontend/charts.js).

A spec is plain data — labels, series of numbers — put in a data attribute;
the bundle draws it. Figures the API gives as decimal strings become numbers
here only for drawing: the tables next to the charts show the API's own text.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def chart(kind: str, labels: Iterable[str], series: dict[str, Iterable[Any]], unit: str = "") -> dict[str, Any]:
    return {"type": kind, "unit": unit, "labels": list(labels),
            "series": [{"name": name, "values": [number(v) for v in values]} for name, values in series.items()]}
