"""After-sales metrics: CSAT, NPS, complaint handling, compliance violations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from .facts import EVERYTHING, QA_VIOLATION, SURVEY_ANSWERED, Fact, Scope
from .funnel_metrics import facts_in
from .metric_value import (
    NPS_POINTS,
    SCORE,
    MetricValue,
    average,
    count_value,
    no_data,
    percentage,
)
from .money import quantize_money
from .periods import Period
from .tickets import TicketOutcome, ticket_outcomes

PROMOTER_MIN = 9  # NPS 9-10
DETRACTOR_MAX = 6  # NPS 0-6; 7-8 are passives

UNASSIGNED = "unassigned"  # the agent of a violation flagged without one


def csat_average(facts: Iterable[Fact], period: Period,
                 scope: Scope = EVERYTHING) -> MetricValue:
    """Mean CSAT (1-5) of the surveys answered in the period."""
    scores = [f.csat for f in facts_in(facts, period, SURVEY_ANSWERED, scope) if f.csat]
    return average(sum(scores), len(scores), SCORE)


def nps(facts: Iterable[Fact], period: Period, scope: Scope = EVERYTHING) -> MetricValue:
    """Net promoter score: % promoters − % detractors, from −100 to +100."""
    scores = [
        f.nps for f in facts_in(facts, period, SURVEY_ANSWERED, scope) if f.nps is not None
    ]
    if not scores:
        return no_data(NPS_POINTS, Decimal(0), Decimal(0))
    promoters = sum(1 for score in scores if score >= PROMOTER_MIN)
    detractors = sum(1 for score in scores if score <= DETRACTOR_MAX)
    value = Decimal(promoters - detractors) / len(scores) * 100
    return MetricValue(
        quantize_money(value), NPS_POINTS, Decimal(promoters - detractors),
        Decimal(len(scores)),
        extra={"promoters": promoters, "passives": len(scores) - promoters - detractors,
               "detractors": detractors},
    )


def _complaints(facts: Iterable[Fact]) -> list[TicketOutcome]:
    return [outcome for outcome in ticket_outcomes(facts) if outcome.is_complaint]


def _in(fact: Fact | None, period: Period, scope: Scope) -> bool:
    return fact is not None and period.contains(fact.occurred_at) and scope.matches(fact)


def complaints_opened(facts: Iterable[Fact], period: Period,
                      scope: Scope = EVERYTHING) -> MetricValue:
    return count_value(sum(1 for c in _complaints(facts) if _in(c.opened, period, scope)))


def complaint_response_timeliness(facts: Iterable[Fact], period: Period,
                                  scope: Scope = EVERYTHING) -> MetricValue:
    """Complaints first-responded within SLA / complaints first-responded, over
    first responses given in the period (by the responding agent)."""
    responded = [c for c in _complaints(facts) if _in(c.first_response, period, scope)]
    timely = sum(1 for c in responded if c.first_response_within_sla)
    return percentage(timely, len(responded))


def complaint_resolution_rate(facts: Iterable[Fact], period: Period,
                              scope: Scope = EVERYTHING) -> MetricValue:
    """Complaints resolved in the period / complaints opened in the period.
    A ratio of two flows: a backlog cleared this month can make it exceed 100 %."""
    complaints = _complaints(facts)
    resolved = sum(1 for c in complaints if _in(c.resolved, period, scope))
    opened = sum(1 for c in complaints if _in(c.opened, period, scope))
    return percentage(resolved, opened)


def compliance_violations(facts: Iterable[Fact], period: Period,
                          scope: Scope = EVERYTHING) -> MetricValue:
    return count_value(len(facts_in(facts, period, QA_VIOLATION, scope)))


def violations_per_agent(facts: Iterable[Fact], period: Period,
                         scope: Scope = EVERYTHING) -> dict[str, MetricValue]:
    """Violations flagged in the period per agent (the fact's `rep`)."""
    counts: dict[str, int] = defaultdict(int)
    for fact in facts_in(facts, period, QA_VIOLATION, scope):
        counts[fact.rep or UNASSIGNED] += 1
    return {agent: count_value(counts[agent]) for agent in sorted(counts)}
