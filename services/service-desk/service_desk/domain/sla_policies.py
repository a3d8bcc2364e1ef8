"""The SLA policy book: one policy per ticket type and priority, from JSON.

Durations are whole minutes of business time (elapsed time for 24x7 policies);
a business day is as long as the calendar's working day (about 8 hours), so
"3 business days" is written 1440 minutes on an 8-hour calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any
from collections.abc import Iterable, Mapping

from .errors import InvalidConfiguration
from .sla import ClockMode, EscalationStep, Priority, ReopenRule, SlaPolicy, TicketType


@dataclass(frozen=True)
class SlaPolicyBook:
    """One policy for every ticket type and priority, plus the reopen rule."""

    policies: tuple[SlaPolicy, ...]
    reopen_rule: ReopenRule = ReopenRule.RESTART
    _index: dict[tuple[TicketType, Priority], SlaPolicy] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[TicketType, Priority], SlaPolicy] = {}
        for policy in self.policies:
            key = (policy.ticket_type, policy.priority)
            if key in index:
                raise InvalidConfiguration(f"two SLA policies for {key[0]}/{key[1]}")
            index[key] = policy
        missing = [f"{t}/{p}" for t in TicketType for p in Priority if (t, p) not in index]
        if missing:
            raise InvalidConfiguration(f"no SLA policy for {', '.join(missing)}")
        object.__setattr__(self, "_index", index)

    def policy_for(self, ticket_type: TicketType, priority: Priority) -> SlaPolicy:
        return self._index[(TicketType(ticket_type), Priority(priority))]

    @classmethod
    def default(cls) -> SlaPolicyBook:
        return cls.from_dict(DEFAULT_POLICY_CONFIG)

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> SlaPolicyBook:
        """Build from JSON: durations in minutes of business time (or elapsed time for 24x7).

        ``{"reopen_rule": "restart", "escalations": [ladder for all],
        "policies": [{"ticket_type", "priority", "first_response_minutes",
        "resolution_minutes", "clock", "escalations" (optional override)}]}``
        """
        _refuse_unknown(config, {"reopen_rule", "escalations", "policies"}, "SLA policy book")
        default_ladder = _ladder_from_config(config.get("escalations", ()))
        policies = tuple(_policy_from_config(entry, default_ladder) for entry in config.get("policies", ()))
        reopen_rule = _enum(ReopenRule, config.get("reopen_rule", "restart"), "reopen_rule")
        return cls(policies=policies, reopen_rule=reopen_rule)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reopen_rule": str(self.reopen_rule),
            "policies": [
                {
                    "ticket_type": str(p.ticket_type),
                    "priority": str(p.priority),
                    "first_response_minutes": _minutes(p.first_response),
                    "resolution_minutes": _minutes(p.resolution),
                    "clock": str(p.clock),
                    "escalations": [
                        {"level": s.level, "after_breach_minutes": _minutes(s.after_breach), "notify": s.notify}
                        for s in p.escalations
                    ],
                }
                for p in self.policies
            ],
        }


_HOUR = 60
DEFAULT_ESCALATION_LADDER = [
    {"level": 1, "after_breach_minutes": 0, "notify": "supervisor"},
    {"level": 2, "after_breach_minutes": 4 * _HOUR, "notify": "manager"},
]


def _default_policy(ticket_type: str, priority: str, first: int, resolution: int) -> dict[str, Any]:
    # Urgent tickets run around the clock and climb the ladder within the hour.
    urgent = priority == "urgent"
    policy: dict[str, Any] = {
        "ticket_type": ticket_type,
        "priority": priority,
        "first_response_minutes": first,
        "resolution_minutes": resolution,
        "clock": "24x7" if urgent else "business_hours",
    }
    if urgent:
        policy["escalations"] = [
            {"level": 1, "after_breach_minutes": 0, "notify": "supervisor"},
            {"level": 2, "after_breach_minutes": 1 * _HOUR, "notify": "manager"},
            {"level": 3, "after_breach_minutes": 4 * _HOUR, "notify": "director"},
        ]
    return policy


# Minutes of business time (24x7 for urgent); a business day is about 8 hours.
DEFAULT_POLICY_CONFIG: dict[str, Any] = {
    "reopen_rule": "restart",
    "escalations": DEFAULT_ESCALATION_LADDER,
    "policies": [
        _default_policy(ticket_type, priority, first, resolution)
        for ticket_type, priority, first, resolution in (
            ("inquiry", "urgent", 30, 4 * _HOUR),
            ("inquiry", "high", 1 * _HOUR, 8 * _HOUR),
            ("inquiry", "normal", 4 * _HOUR, 16 * _HOUR),
            ("inquiry", "low", 8 * _HOUR, 40 * _HOUR),
            ("complaint", "urgent", 15, 4 * _HOUR),
            ("complaint", "high", 30, 8 * _HOUR),
            ("complaint", "normal", 2 * _HOUR, 16 * _HOUR),
            ("complaint", "low", 4 * _HOUR, 24 * _HOUR),
            ("technical", "urgent", 30, 8 * _HOUR),
            ("technical", "high", 1 * _HOUR, 16 * _HOUR),
            ("technical", "normal", 4 * _HOUR, 24 * _HOUR),
            ("technical", "low", 8 * _HOUR, 40 * _HOUR),
        )
    ],
}


def _policy_from_config(entry: Mapping[str, Any], default_ladder: tuple[EscalationStep, ...]) -> SlaPolicy:
    _refuse_unknown(
        entry,
        {"ticket_type", "priority", "first_response_minutes", "resolution_minutes", "clock", "escalations"},
        "SLA policy",
    )
    try:
        first, resolution = entry["first_response_minutes"], entry["resolution_minutes"]
        ticket_type, priority = entry["ticket_type"], entry["priority"]
    except KeyError as missing:
        raise InvalidConfiguration(f"an SLA policy needs {missing.args[0]}") from None
    ladder = _ladder_from_config(entry["escalations"]) if "escalations" in entry else default_ladder
    return SlaPolicy(
        ticket_type=_enum(TicketType, ticket_type, "ticket_type"),
        priority=_enum(Priority, priority, "priority"),
        first_response=timedelta(minutes=_whole_number(first, "first_response_minutes")),
        resolution=timedelta(minutes=_whole_number(resolution, "resolution_minutes")),
        clock=_enum(ClockMode, entry.get("clock", "business_hours"), "clock"),
        escalations=ladder,
    )


def _ladder_from_config(entries: Iterable[Mapping[str, Any]]) -> tuple[EscalationStep, ...]:
    steps = []
    for entry in entries:
        _refuse_unknown(entry, {"level", "after_breach_minutes", "notify"}, "escalation step")
        if "level" not in entry or "notify" not in entry:
            raise InvalidConfiguration("an escalation step needs a level and a role to notify")
        steps.append(EscalationStep(
            level=_whole_number(entry["level"], "level"),
            after_breach=timedelta(minutes=_whole_number(entry.get("after_breach_minutes", 0), "after_breach_minutes")),
            notify=str(entry["notify"]),
        ))
    return tuple(steps)


def _enum(kind: type[StrEnum], value: Any, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidConfiguration(f"{name} must be one of {choices}, got {value!r}") from None


def _whole_number(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidConfiguration(f"{name} must be a whole number, got {value!r}")
    return value


def _minutes(duration: timedelta) -> int:
    return int(duration.total_seconds() // 60)


def _refuse_unknown(config: Mapping[str, Any], known: set[str], what: str) -> None:
    unknown = set(config) - known
    if unknown:
        raise InvalidConfiguration(f"unknown {what} settings: {', '.join(sorted(unknown))}")
