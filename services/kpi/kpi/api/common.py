"""What every view reaches for: the request's unit of work, the caller, the settings."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from salesloop.web.app import uow
from salesloop.web.auth import current_principal
from salesloop.web.fields import offset_of, page_of

from kpi.config import KpiConfig
from kpi.domain.access import DIMENSIONS, Slice
from kpi.repository import Projection, projection

__all__ = ["asked_slice", "config", "current", "current_principal", "now", "page", "uow"]


def config() -> KpiConfig:
    return current_app.extensions["kpi"]


def now() -> datetime:
    return config().clock()


def current() -> Projection:
    """The calendar and currency the stored figures are in."""
    return projection(uow().session, config())


def asked_slice(args: dict) -> Slice | None:
    for dimension in DIMENSIONS:
        if args.get(dimension):
            return Slice(dimension, args[dimension])
    return None


def page(items: list, args: dict) -> dict:
    """One page of a list already in memory, in the one list envelope."""
    start = offset_of(args)
    return page_of(items[start:start + args["page_size"]], args, len(items))
