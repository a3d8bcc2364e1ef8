"""Storing a new version of the configurable rules."""
from __future__ import annotations

from datetime import datetime

from leads.commands.common import utcnow
from leads.models import RuleSetVersion
from leads.repository import store


def activate_rules(uow, kind: str, version: str, config: dict, *, by: str,
                   now: datetime | None = None) -> RuleSetVersion:
    row = store(uow.session, kind, version, config, by, now or utcnow())
    uow.flush()
    return row
