"""The rules in force: grading, assignment, follow-up periods and the business calendar.

Each kind is configured as versioned JSON (``PUT /rules/<kind>``) and the last
version activated is the one in force; until one is stored, the domain's
defaults apply. Versions are immutable, so an event citing a version always
means the same rules.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select

from salesloop.calendar import BusinessCalendar, CalendarError

from leads.domain.assignment import (DEFAULT_ASSIGNMENT_RULES, DEFAULT_FOLLOWUP_POLICY, AssignmentRules,
                                     FollowupPolicy, followup_deadline)
from leads.domain.errors import Conflict, InvalidField
from leads.domain.grading import DEFAULT_RULESET, RuleSet
from leads.models import RuleSetVersion

KINDS = ("grading", "assignment", "followup", "calendar")
DEFAULT_VERSIONS = {"grading": DEFAULT_RULESET.version, "assignment": DEFAULT_ASSIGNMENT_RULES.version,
                    "followup": "followup-default", "calendar": "wall-clock"}


@dataclass(frozen=True)
class ActiveRules:
    grading: RuleSet = DEFAULT_RULESET
    assignment: AssignmentRules = DEFAULT_ASSIGNMENT_RULES
    followup: FollowupPolicy = DEFAULT_FOLLOWUP_POLICY
    calendar: BusinessCalendar | None = None
    versions: tuple[tuple[str, str], ...] = tuple(DEFAULT_VERSIONS.items())

    def deadline(self, start: datetime, grade: str, customer_class: str | None = None) -> datetime:
        add_time = self.calendar.add if self.calendar else None
        return followup_deadline(start, grade, self.followup, add_time=add_time, customer_class=customer_class)

    def version_of(self, kind: str) -> str:
        return dict(self.versions)[kind]


def load_rules(session) -> ActiveRules:
    """The rules in force: one query names the active versions; each set is parsed once.

    A stored version never changes (``store`` refuses other content under a known
    version), so the active rows' ids and versions identify the parsed rules. The
    cache is per database, and the active versions are asked every time, so a
    version activated through another process is in force on its next request.
    """
    active = active_versions(session)
    key = tuple(sorted(active.items()))
    parsed = _parsed_for(session)
    rules = parsed.get(key)
    if rules is None:
        rules = _build(session, active)
        if len(parsed) >= _CACHED_RULE_SETS:
            parsed.clear()
        parsed[key] = rules
    return rules


_CACHED_RULE_SETS = 32
_parsed_by_database: weakref.WeakKeyDictionary[object, dict] = weakref.WeakKeyDictionary()


def _parsed_for(session) -> dict:
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    parsed = _parsed_by_database.get(engine)
    if parsed is None:
        parsed = _parsed_by_database[engine] = {}
    return parsed


def active_versions(session) -> dict[str, tuple[int, str]]:
    """kind -> (row id, version) of the last version activated of each kind that has one."""
    return {row.kind: (row.id, row.version) for row in session.execute(_active_versions_statement())}


@cache
def _active_versions_statement():
    ranked = (select(RuleSetVersion.id, RuleSetVersion.kind, RuleSetVersion.version,
                     func.row_number().over(partition_by=RuleSetVersion.kind,
                                            order_by=(RuleSetVersion.activated_at.desc(),
                                                      RuleSetVersion.id.desc())).label("rank"))
              .where(RuleSetVersion.kind.in_(KINDS)).subquery())
    return select(ranked.c.kind, ranked.c.id, ranked.c.version).where(ranked.c.rank == 1)


def _build(session, active: dict[str, tuple[int, str]]) -> ActiveRules:
    versions, built = dict(DEFAULT_VERSIONS), {}
    if active:
        ids = [row_id for row_id, _ in active.values()]
        for row in session.execute(select(RuleSetVersion).where(RuleSetVersion.id.in_(ids))).scalars():
            built[row.kind] = parse(row.kind, row.version, row.body)
            versions[row.kind] = row.version
    return ActiveRules(versions=tuple(versions.items()), **built)


def latest(session, kind: str) -> RuleSetVersion | None:
    return session.execute(
        select(RuleSetVersion).where(RuleSetVersion.kind == kind)
        .order_by(RuleSetVersion.activated_at.desc(), RuleSetVersion.id.desc()).limit(1)
    ).scalar_one_or_none()


def parse(kind: str, version: str, config: dict):
    """The domain object for a kind's JSON configuration; InvalidField names the bad path."""
    if kind == "grading":
        return RuleSet.from_dict(_with_version(config, version))
    if kind == "assignment":
        return AssignmentRules.from_dict(_with_version(config, version))
    if kind == "followup":
        return FollowupPolicy.from_dict(config)
    try:
        return BusinessCalendar.from_dict(config)
    except (CalendarError, TypeError, AttributeError) as exc:
        raise InvalidField("config", str(exc)) from None


def _with_version(config: dict, version: str) -> dict:
    if not isinstance(config, dict):
        raise InvalidField("config", "must be an object")
    given = config.get("version")
    if given is not None and given != version:
        raise InvalidField("config.version", f"is {given!r} but the rule set is stored as {version!r}")
    return {**config, "version": version}


def config_of(kind: str, rules: ActiveRules) -> dict | None:
    """The JSON form of the rules in force (what a PUT would store)."""
    if kind == "grading":
        return rules.grading.to_dict()
    if kind == "assignment":
        return rules.assignment.to_dict()
    if kind == "followup":
        return followup_to_dict(rules.followup)
    return rules.calendar.to_dict() if rules.calendar else None


def followup_to_dict(policy: FollowupPolicy) -> dict:
    def hours(period: timedelta) -> int:
        return int(period.total_seconds() // 3600)

    return {"high_hours": hours(policy.high), "medium_hours": hours(policy.medium), "low_hours": hours(policy.low),
            "class_caps_hours": {abc.value: hours(period) for abc, period in sorted(policy.class_caps.items())}}


def store(session, kind: str, version: str, config: dict, by: str | None, now: datetime) -> RuleSetVersion:
    """Activate ``version``: a new one is stored; a known one is re-activated only if identical."""
    parse(kind, version, config)  # refuse what the domain cannot read before anything is written
    existing = session.execute(
        select(RuleSetVersion).where(RuleSetVersion.kind == kind, RuleSetVersion.version == version)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.body != config:
            raise Conflict(f"{kind} rules version {version} already exists with other content; "
                           "give the new rules a new version")
        existing.activated_at = now
        return existing
    row = RuleSetVersion(kind=kind, version=version, body=config, created_at=now, created_by=by, activated_at=now)
    session.add(row)
    return row
