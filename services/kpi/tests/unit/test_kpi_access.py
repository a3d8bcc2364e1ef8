"""Who sees whose figures, as a domain policy: no database, a directory of people as a fake."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kpi.domain.access import EVERYONE, Slice, can_manage, can_see_subject, resolve_slice, visible_values
from kpi.domain.errors import Forbidden


@dataclass(frozen=True)
class Caller:
    user: str
    roles: frozenset[str]
    team: str | None = None
    region: str | None = None
    scope: str = "own"

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass
class Directory:
    teams: dict[str, str] = field(default_factory=lambda: {"r1": "t1", "r2": "t1", "r3": "t2"})
    regions: dict[str, str] = field(default_factory=lambda: {"r1": "east", "r2": "west", "r3": "east"})

    def reps_of(self, *, team: str | None = None, region: str | None = None) -> set[str]:
        return {rep for rep in self.teams if (team is None or self.teams[rep] == team)
                and (region is None or self.regions[rep] == region)}

    def teams_of_region(self, region: str) -> set[str]:
        return {self.teams[rep] for rep in self.regions if self.regions[rep] == region}


REP = Caller("r1", frozenset({"rep"}), "t1", "east")
SUPERVISOR = Caller("s1", frozenset({"supervisor"}), "t1", "east", scope="team")
MANAGER = Caller("m1", frozenset({"manager"}), None, "east", scope="region")
DIRECTOR = Caller("d1", frozenset({"director"}), scope="all")


def test_without_a_slice_each_caller_gets_their_own_scope():
    people = Directory()
    assert resolve_slice(people, REP, None) == Slice("rep", "r1")
    assert resolve_slice(people, SUPERVISOR, None) == Slice("team", "t1")
    assert resolve_slice(people, MANAGER, None) == Slice("region", "east")
    assert resolve_slice(people, DIRECTOR, None) == EVERYONE


def test_a_supervisor_sees_the_teams_reps_and_a_manager_the_regions():
    people = Directory()
    assert visible_values(people, SUPERVISOR, "rep") == {"r1", "r2", "s1"}
    assert visible_values(people, MANAGER, "rep") == {"r1", "r3"}
    assert visible_values(people, MANAGER, "team") == {"t1", "t2"}
    assert visible_values(people, DIRECTOR, "product") is None


def test_what_lies_outside_the_scope_is_forbidden_with_a_reason():
    people = Directory()
    with pytest.raises(Forbidden, match="You may see your own figures, not rep r2."):
        resolve_slice(people, REP, Slice("rep", "r2"))
    with pytest.raises(Forbidden, match="not figures by product"):
        visible_values(people, SUPERVISOR, "product")
    with pytest.raises(Forbidden, match="not the whole company's figures"):
        resolve_slice(people, MANAGER, EVERYONE)
    assert not can_see_subject(people, MANAGER, "rep", "r2")  # r2 works in the west


def test_targets_are_set_by_someone_above_never_by_the_rep_themselves():
    people = Directory()
    assert can_manage(people, SUPERVISOR, "rep", "r2")
    assert not can_manage(people, SUPERVISOR, "rep", "r3")  # another team
    assert not can_manage(people, Caller("s1", frozenset({"supervisor"}), "t1", "east", scope="team"), "rep", "s1")
    assert not can_manage(people, REP, "rep", "r1")
    assert can_manage(people, DIRECTOR, "team", "t2")
