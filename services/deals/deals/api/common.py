"""What every view reaches for: the request's unit of work, the caller, the rules."""
from __future__ import annotations

from flask import current_app

from salesloop.web.app import uow
from salesloop.web.auth import current_principal

from deals.commands.common import utcnow
from deals.config import DealsConfig

# Roles that work deals; admin always passes require_roles.
SALES_ROLES = ("rep", "supervisor", "manager", "director")
APPROVERS = ("manager", "director")

__all__ = ["APPROVERS", "SALES_ROLES", "config", "current_principal", "saved", "utcnow", "uow"]


def config() -> DealsConfig:
    return current_app.extensions["deals"]


def saved(result):
    """Commit the request's unit of work and hand back what the view shows."""
    uow().commit()
    return result
