"""Who sees whose figures (DESIGN.md §6): a rep their own, a supervisor the
team's, a manager the region's, a director, ops or admin everything.

Rollup slices are one dimension at a time, so the rule is checked on the slice
asked for; the rep directory (each rep's latest team and region, from the
facts) says which reps and teams a supervisor's team or a manager's region holds.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from salesloop.web.auth import Principal
from salesloop.web.errors import Problem

from kpi.reading import EVERYONE, Slice
from kpi.store import reps_of, teams_of_region

MANAGE_TARGETS = ("supervisor", "manager", "director")


def default_slice(principal: Principal) -> Slice:
    """What "my figures" means for the caller when no slice is asked for."""
    scope = principal.scope
    if scope == "all":
        return EVERYONE
    if scope == "region" and principal.region:
        return Slice("region", principal.region)
    if scope == "team" and principal.team:
        return Slice("team", principal.team)
    return Slice("rep", principal.user)


def _forbidden(principal: Principal, what: str) -> Problem:
    mine = {"region": f"region {principal.region}", "team": f"team {principal.team}",
            "own": "your own figures"}.get(principal.scope, "nothing")
    return Problem(403, "Forbidden", f"You may see {mine}, not {what}.", kind="forbidden")


def visible_values(session: Session, principal: Principal, dimension: str) -> set[str] | None:
    """The values of a dimension the caller may see; None means all of them."""
    scope = principal.scope
    if scope == "all":
        return None
    if scope == "region" and principal.region:
        allowed = {"region": lambda: {principal.region},
                   "team": lambda: teams_of_region(session, principal.region),
                   "rep": lambda: reps_of(session, region=principal.region)}
    elif scope == "team" and principal.team:
        allowed = {"team": lambda: {principal.team},
                   "rep": lambda: reps_of(session, team=principal.team) | {principal.user}}
    else:
        allowed = {"rep": lambda: {principal.user}}
    if dimension not in allowed:
        raise _forbidden(principal, f"figures by {dimension}")
    return allowed[dimension]()


def check_slice(session: Session, principal: Principal, where: Slice) -> None:
    if where.dimension == "all":
        if principal.scope != "all":
            raise _forbidden(principal, "the whole company's figures")
        return
    allowed = visible_values(session, principal, where.dimension)
    if allowed is not None and where.value not in allowed:
        raise _forbidden(principal, f"{where.dimension} {where.value}")


def resolve_slice(session: Session, principal: Principal, asked: Slice | None) -> Slice:
    where = asked or default_slice(principal)
    check_slice(session, principal, where)
    return where


def can_see_subject(session: Session, principal: Principal, kind: str, subject: str) -> bool:
    try:
        check_slice(session, principal, Slice(kind, subject))
    except Problem:
        return False
    return True


def can_manage(session: Session, principal: Principal, kind: str, subject: str) -> bool:
    """Targets and supervisor evaluations: a supervisor for the team, a manager
    for the region, a director (or admin) for anyone."""
    if principal.has("director", "admin"):
        return True
    if not principal.has(*MANAGE_TARGETS):
        return False
    if kind == "rep" and subject == principal.user:
        return False  # nobody sets their own targets
    return can_see_subject(session, principal, kind, subject)
