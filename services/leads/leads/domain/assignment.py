"""Assigning a lead to the rep who can serve it with the lowest load, explainably.

The result records every rep considered (load, capacity, ratio, eligibility and
why not), the rule version and the tie-break used, so that fairness per rep
can be shown from the assignment events alone.
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum
from fractions import Fraction

from .config import ConfigReader, read_int, read_text
from .customers import AbcClass, parse_abc_class
from .errors import InvalidField
from .grading import Grade
from .lead import LeadFacts, skill_codes
from .times import optional_aware, require_aware


@dataclass(frozen=True)
class Skills:
    """What a rep can serve; an empty set in a dimension means "any"."""

    product_lines: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("product_lines", "regions", "industries"):
            object.__setattr__(self, name, skill_codes(getattr(self, name)))


@dataclass(frozen=True)
class Rep:
    rep_id: str
    active: bool
    capacity: int
    open_load: int
    created_at: datetime
    skills: Skills = field(default_factory=Skills)
    last_assigned_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.rep_id:
            raise InvalidField("rep_id", "is required")
        read_int(self.capacity, "capacity", minimum=0)
        read_int(self.open_load, "open_load", minimum=0)
        require_aware(self.created_at, "created_at")
        optional_aware(self.last_assigned_at, "last_assigned_at")


@dataclass(frozen=True)
class AssignmentRules:
    """Which skill dimensions must cover a lead; versioned so events can cite it."""

    version: str = "assign-1"
    match_product_lines: bool = True
    match_regions: bool = True
    match_industries: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "AssignmentRules":
        reader = ConfigReader(data, "")
        rules = cls(
            version=read_text(reader.required("version"), "version"),
            match_product_lines=_read_flag(reader, "match_product_lines"),
            match_regions=_read_flag(reader, "match_regions"),
            match_industries=_read_flag(reader, "match_industries"),
        )
        reader.finish()
        return rules

    def to_dict(self) -> dict[str, str | bool]:
        return {"version": self.version, "match_product_lines": self.match_product_lines,
                "match_regions": self.match_regions, "match_industries": self.match_industries}


DEFAULT_ASSIGNMENT_RULES = AssignmentRules()


class TieBreak(str, Enum):
    LOWEST_RATIO = "lowest_ratio"
    LEAST_RECENTLY_ASSIGNED = "least_recently_assigned"
    ROTATION = "rotation"


@dataclass(frozen=True)
class CandidateReport:
    rep_id: str
    open_load: int
    capacity: int
    ratio: Decimal | None
    eligible: bool
    reasons: tuple[str, ...]
    last_assigned_at: datetime | None


@dataclass(frozen=True)
class Assignment:
    lead_id: str
    rep_id: str
    rules_version: str
    tie_break: TieBreak
    tied_rep_ids: tuple[str, ...]
    candidates: tuple[CandidateReport, ...]


def evaluate_candidates(
    lead: LeadFacts, reps: Iterable[Rep], rules: AssignmentRules = DEFAULT_ASSIGNMENT_RULES
) -> tuple[CandidateReport, ...]:
    """One report per rep, in the order given; useful alone to explain an unassigned lead."""
    reps = _distinct(reps)
    return tuple(_report(lead, rep, rules) for rep in reps)


def assign(
    lead: LeadFacts, reps: Iterable[Rep], rules: AssignmentRules = DEFAULT_ASSIGNMENT_RULES
) -> Assignment | None:
    """The eligible rep with the lowest load/capacity ratio, or None if nobody is eligible.

    Ties go to the rep assigned least recently, never-assigned reps first. Reps
    who tie there too (typically several never-assigned reps, e.g. a new team
    on its first day) are ordered by a hash of (rep id, lead id). Ordering them
    by hire date or by id instead would hand every tied lead to the same
    person — the oldest rep — and a bulk import assigns thousands of leads
    before anybody's last_assigned_at moves. The hash is deterministic (the
    same inputs give the same rep, so a replay agrees) yet spreads different
    leads evenly over the tied reps.
    """
    reps = _distinct(reps)
    reports = tuple(_report(lead, rep, rules) for rep in reps)
    eligible = [rep for rep, report in zip(reps, reports, strict=False) if report.eligible]
    if not eligible:
        return None
    ratios = [_ratio(rep) for rep in eligible]
    lowest = min(ratios)
    tied = [rep for rep, ratio in zip(eligible, ratios, strict=True) if ratio == lowest]
    chosen, tie_break = _break_tie(lead, tied)
    return Assignment(
        lead_id=lead.lead_id,
        rep_id=chosen.rep_id,
        rules_version=rules.version,
        tie_break=tie_break,
        tied_rep_ids=tuple(rep.rep_id for rep in tied),
        candidates=reports,
    )


def _break_tie(lead: LeadFacts, tied: list[Rep]) -> tuple[Rep, TieBreak]:
    if len(tied) == 1:
        return tied[0], TieBreak.LOWEST_RATIO
    never = [rep for rep in tied if rep.last_assigned_at is None]
    if never:
        longest_waiting = never
    else:
        # Nobody here is unassigned (``never`` is empty); the filter only narrows the type.
        earliest = min(rep.last_assigned_at for rep in tied if rep.last_assigned_at is not None)
        longest_waiting = [rep for rep in tied if rep.last_assigned_at == earliest]
    if len(longest_waiting) == 1:
        return longest_waiting[0], TieBreak.LEAST_RECENTLY_ASSIGNED
    return min(longest_waiting, key=lambda rep: _rotation_key(rep, lead)), TieBreak.ROTATION


def _rotation_key(rep: Rep, lead: LeadFacts) -> bytes:
    # sha256, not hash(): Python salts str hashes per process, and a replay must agree.
    return hashlib.sha256(f"{lead.lead_id}\x1f{rep.rep_id}".encode()).digest()


def _report(lead: LeadFacts, rep: Rep, rules: AssignmentRules) -> CandidateReport:
    reasons = _ineligibility(lead, rep, rules)
    ratio = None
    if rep.capacity:
        ratio = (Decimal(rep.open_load) / Decimal(rep.capacity)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_EVEN
        )
    return CandidateReport(
        rep_id=rep.rep_id, open_load=rep.open_load, capacity=rep.capacity, ratio=ratio,
        eligible=not reasons, reasons=reasons, last_assigned_at=rep.last_assigned_at,
    )


def _ineligibility(lead: LeadFacts, rep: Rep, rules: AssignmentRules) -> tuple[str, ...]:
    reasons = []
    if not rep.active:
        reasons.append("inactive")
    if rep.open_load >= rep.capacity:
        reasons.append(f"at capacity ({rep.open_load}/{rep.capacity})")
    skills = rep.skills
    if rules.match_regions and not _covers(skills.regions, lead.region):
        reasons.append(f"missing skill region:{lead.region or 'unknown'}")
    if rules.match_industries and not _covers(skills.industries, lead.industry):
        reasons.append(f"missing skill industry:{lead.industry or 'unknown'}")
    if rules.match_product_lines and skills.product_lines and not (skills.product_lines & lead.product_lines):
        wanted = "|".join(sorted(lead.product_lines)) or "unknown"
        reasons.append(f"missing skill product_line:{wanted}")
    return tuple(reasons)


def _covers(skill_set: frozenset[str], wanted: str | None) -> bool:
    # A lead whose region or industry is unknown can only go to a generalist:
    # a specialist would be guessing that it is theirs.
    return not skill_set or wanted in skill_set


def _ratio(rep: Rep) -> Fraction:
    # Exact, so 1/3 and 2/6 tie and fall to the tie-break instead of rounding noise.
    return Fraction(rep.open_load, rep.capacity)


def _distinct(reps: Iterable[Rep]) -> list[Rep]:
    reps = list(reps)
    seen = set()
    for rep in reps:
        if rep.rep_id in seen:
            raise InvalidField("reps", f"rep {rep.rep_id} is listed twice")
        seen.add(rep.rep_id)
    return reps


def _read_flag(reader: ConfigReader, key: str) -> bool:
    value = reader.optional(key, True)
    if not isinstance(value, bool):
        raise InvalidField(key, "must be true or false")
    return value


# --- follow-up deadlines ---------------------------------------------------

AddTime = Callable[[datetime, timedelta], datetime]


@dataclass(frozen=True)
class FollowupPolicy:
    """How long a rep has to follow up, by grade.

    ``class_caps`` shortens the period for leads of existing customers by ABC
    class (the loop's feedback: an A customer's inquiry is never left two weeks).
    """

    high: timedelta = timedelta(hours=24)
    medium: timedelta = timedelta(days=3)
    low: timedelta = timedelta(days=14)
    class_caps: Mapping[AbcClass, timedelta] = field(
        default_factory=lambda: {AbcClass.A: timedelta(days=1), AbcClass.B: timedelta(days=3)}
    )

    def __post_init__(self) -> None:
        for name in ("high", "medium", "low"):
            if getattr(self, name) <= timedelta(0):
                raise InvalidField(name, "must be a positive period")
        caps = {parse_abc_class(key, "class_caps"): value for key, value in dict(self.class_caps).items()}
        if any(value <= timedelta(0) for value in caps.values()):
            raise InvalidField("class_caps", "every cap must be a positive period")
        object.__setattr__(self, "class_caps", caps)

    def __hash__(self) -> int:
        return hash((self.high, self.medium, self.low, tuple(sorted(self.class_caps.items()))))

    def period_for(self, grade: Grade | str, customer_class: AbcClass | str | None = None) -> timedelta:
        period: timedelta = getattr(self, _grade(grade).value)
        if customer_class is not None:
            cap = self.class_caps.get(parse_abc_class(customer_class, "customer_class"))
            if cap is not None:
                period = min(period, cap)
        return period

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "FollowupPolicy":
        """From {"high_hours": 24, "medium_hours": 72, "low_hours": 336, "class_caps_hours": {"A": 24}}."""
        reader = ConfigReader(data, "")
        defaults = cls()
        hours = {
            name: timedelta(hours=read_int(reader.optional(f"{name}_hours", _hours(getattr(defaults, name))),
                                           f"{name}_hours", minimum=1))
            for name in ("high", "medium", "low")
        }
        raw_caps = reader.optional("class_caps_hours")
        caps = defaults.class_caps
        if raw_caps is not None:
            caps_reader = ConfigReader(raw_caps, "class_caps_hours")
            caps = {}
            for abc in AbcClass:
                value = caps_reader.optional(abc.value)
                if value is not None:
                    caps[abc] = timedelta(hours=read_int(value, f"class_caps_hours.{abc.value}", minimum=1))
            caps_reader.finish()
        reader.finish()
        return cls(class_caps=caps, **hours)


DEFAULT_FOLLOWUP_POLICY = FollowupPolicy()


def plain_addition(start: datetime, period: timedelta) -> datetime:
    return start + period


def followup_deadline(
    assigned_at: datetime,
    grade: Grade | str,
    policy: FollowupPolicy = DEFAULT_FOLLOWUP_POLICY,
    add_time: AddTime | None = None,
    customer_class: AbcClass | str | None = None,
) -> datetime:
    """When the assigned rep must have followed up.

    ``add_time`` is where a business calendar plugs in (skipping nights,
    weekends and holidays); the default counts wall-clock time.
    """
    require_aware(assigned_at, "assigned_at")
    deadline = (add_time or plain_addition)(assigned_at, policy.period_for(grade, customer_class))
    return require_aware(deadline, "deadline")


def _grade(value: Grade | str) -> Grade:
    try:
        return Grade(value)
    except ValueError:
        raise InvalidField("grade", f"{value!r} is not high, medium or low") from None


def _hours(period: timedelta) -> int:
    return int(period.total_seconds() // 3600)
