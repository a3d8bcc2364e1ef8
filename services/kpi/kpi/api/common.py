"""What every view reaches for: the request's unit of work, the caller, the settings."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from salesloop.web.app import uow
from salesloop.web.auth import current_principal

from kpi.config import KpiConfig
from kpi.reading import DIMENSIONS, Slice
from kpi.store import Projection, projection

__all__ = ["asked_slice", "config", "current", "current_principal", "now", "saved", "uow"]


def config() -> KpiConfig:
    return current_app.extensions["kpi"]


def now() -> datetime:
    return config().clock()


def current() -> Projection:
    """The calendar and currency the stored figures are in."""
    return projection(uow().session, config())


def saved(result):
    """Commit the request's unit of work and hand back what the view shows."""
    uow().commit()
    return result


def asked_slice(args: dict) -> Slice | None:
    for dimension in DIMENSIONS:
        if args.get(dimension):
            return Slice(dimension, args[dimension])
    return None
