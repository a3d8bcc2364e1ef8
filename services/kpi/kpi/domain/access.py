"""Who sees whose figures (DESIGN.md §6): a rep their own, a supervisor the
team's, a manager the region's, a director, ops or admin everything.

Rollup slices are one dimension at a time, so the rule is checked on the slice
asked for; the rep directory (each rep's latest team and region, from the
facts) says which reps and teams a supervisor's team or a manager's region holds.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kpi.domain.errors import Forbidden
from kpi.domain.facts import Dimension, Scope

DIMENSIONS = ("rep", "team", "region", "product", "source")
MANAGE_TARGETS = ("supervisor", "manager", "director")


@dataclass(frozen=True)
class Slice:
    """Whose figures: everyone ("all"), or one rep, team, region, product or source."""

    dimension: str = "all"
    value: str = ""

    def __post_init__(self) -> None:
        if self.dimension not in ("all", *DIMENSIONS):
            raise ValueError(f"unknown dimension {self.dimension}")

    @property
    def scope(self) -> Scope:
        return Scope().narrowed(Dimension(self.dimension), self.value)

    def as_dict(self) -> dict[str, str | None]:
        return {"dimension": self.dimension, "value": self.value or None}


EVERYONE = Slice()


class Viewer(Protocol):
    """The caller, as the access rules see them (the web layer's Principal)."""

    @property
    def user(self) -> str: ...
    @property
    def team(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def scope(self) -> str: ...
    def has(self, *roles: str) -> bool: ...


class People(Protocol):
    """Which reps and teams a team or region holds (the repository's rep directory)."""

    def reps_of(self, *, team: str | None = None, region: str | None = None) -> set[str]: ...
    def teams_of_region(self, region: str) -> set[str]: ...


def default_slice(viewer: Viewer) -> Slice:
    """What "my figures" means for the caller when no slice is asked for."""
    scope = viewer.scope
    if scope == "all":
        return EVERYONE
    if scope == "region" and viewer.region:
        return Slice("region", viewer.region)
    if scope == "team" and viewer.team:
        return Slice("team", viewer.team)
    return Slice("rep", viewer.user)


def _forbidden(viewer: Viewer, what: str) -> Forbidden:
    mine = {"region": f"region {viewer.region}", "team": f"team {viewer.team}",
            "own": "your own figures"}.get(viewer.scope, "nothing")
    return Forbidden(f"You may see {mine}, not {what}.")


def visible_values(people: People, viewer: Viewer, dimension: str) -> set[str] | None:
    """The values of a dimension the caller may see; None means all of them."""
    scope = viewer.scope
    allowed: dict[str, Callable[[], set[str]]]
    if scope == "all":
        return None
    region, team = viewer.region, viewer.team
    if scope == "region" and region:
        allowed = {"region": lambda: {region},
                   "team": lambda: people.teams_of_region(region),
                   "rep": lambda: people.reps_of(region=region)}
    elif scope == "team" and team:
        allowed = {"team": lambda: {team},
                   "rep": lambda: people.reps_of(team=team) | {viewer.user}}
    else:
        allowed = {"rep": lambda: {viewer.user}}
    if dimension not in allowed:
        raise _forbidden(viewer, f"figures by {dimension}")
    return allowed[dimension]()


def check_slice(people: People, viewer: Viewer, where: Slice) -> None:
    if where.dimension == "all":
        if viewer.scope != "all":
            raise _forbidden(viewer, "the whole company's figures")
        return
    allowed = visible_values(people, viewer, where.dimension)
    if allowed is not None and where.value not in allowed:
        raise _forbidden(viewer, f"{where.dimension} {where.value}")


def resolve_slice(people: People, viewer: Viewer, asked: Slice | None) -> Slice:
    where = asked or default_slice(viewer)
    check_slice(people, viewer, where)
    return where


def can_see_subject(people: People, viewer: Viewer, kind: str, subject: str) -> bool:
    try:
        check_slice(people, viewer, Slice(kind, subject))
    except Forbidden:
        return False
    return True


def can_manage(people: People, viewer: Viewer, kind: str, subject: str) -> bool:
    """Targets and supervisor evaluations: a supervisor for the team, a manager
    for the region, a director (or admin) for anyone."""
    if viewer.has("director", "admin"):
        return True
    if not viewer.has(*MANAGE_TARGETS):
        return False
    if kind == "rep" and subject == viewer.user:
        return False  # nobody sets their own targets
    return can_see_subject(people, viewer, kind, subject)
