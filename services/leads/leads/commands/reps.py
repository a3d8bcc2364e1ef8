"""Reps: who can take leads, with which skills and how many at once."""
from __future__ import annotations

from datetime import datetime

from leads.commands.common import utcnow
from leads.domain.errors import Conflict, InvalidField
from leads.models import Rep

REP_FIELDS = ("name", "team", "region", "active", "capacity", "product_lines", "regions", "industries")


def create_rep(uow, data: dict, now: datetime | None = None) -> Rep:
    now = now or utcnow()
    if uow.session.get(Rep, data["id"]) is not None:
        raise Conflict(f"rep {data['id']} already exists")
    skills = data.get("skills") or {}
    rep = Rep(id=data["id"], name=data["name"], team=data.get("team"), region=data.get("region"),
              active=data.get("active", True), capacity=data["capacity"],
              product_lines=skills.get("product_lines", []), regions=skills.get("regions", []),
              industries=skills.get("industries", []), created_at=now, updated_at=now)
    uow.add(rep)
    return rep


def update_rep(uow, rep: Rep, changes: dict, now: datetime | None = None) -> list[str]:
    """Capacity, activity, team and skills; a lower capacity leaves current leads where they are."""
    now = now or utcnow()
    flat = {**{k: v for k, v in changes.items() if k != "skills"}, **(changes.get("skills") or {})}
    if "capacity" in flat and flat["capacity"] is None:
        raise InvalidField("capacity", "is required")
    changed = [name for name in REP_FIELDS if name in flat and getattr(rep, name) != flat[name]]
    for name in changed:
        setattr(rep, name, flat[name])
    if changed:
        rep.updated_at = now
    return changed
