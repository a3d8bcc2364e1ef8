"""Canonical forms for values read back from the database.

Numeric columns return Decimals padded to the column's scale (``10.000000``)
and SQLite returns naive datetimes; everything the service shows or publishes
goes through these, so the same order reads the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal


def plain(value) -> Decimal | None:
    """``10.000000`` → ``10``, ``19.900000`` → ``19.9``; None stays None."""
    if value is None:
        return None
    normalized = Decimal(value).normalize()
    if normalized == normalized.to_integral_value():
        return normalized.quantize(Decimal(1))
    return normalized


def utc(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime; a naive one (SQLite) is UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
