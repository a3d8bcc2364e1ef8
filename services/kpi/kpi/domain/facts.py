"""The fact record: one row of the append-only log, one per consumed event.

The event handlers flatten each platform event into a Fact; every metric is a
pure function over Facts. Fields that an event type does not have stay None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .errors import InvalidFact
from .money import EventMoney, require_decimal
from .periods import require_aware

# Event types the metrics read (DESIGN.md §2). Facts of any other type are
# kept in the log and simply ignored by the metrics.
LEAD_CAPTURED = "leads.lead.captured"
LEAD_CONVERTED = "leads.lead.converted"
# Names the rep (with team and region) a lead is credited to: the latest one wins.
LEAD_ASSIGNED = "leads.lead.assigned"
# Not yet in DESIGN.md §2: contacts/visits need the leads service to publish
# each logged contact (call, e-mail, visit, chat) under this type.
ACTIVITY_LOGGED = "leads.activity.logged"
DEAL_OPENED = "deals.deal.opened"
DEAL_STAGE_CHANGED = "deals.deal.stage_changed"
DEAL_WON = "deals.deal.won"
DEAL_LOST = "deals.deal.lost"
PROPOSAL_SENT = "deals.proposal.sent"
CONTRACT_SIGNED = "deals.contract.signed"
ORDER_CREATED = "orders.order.created"
ORDER_CHANGED = "orders.order.changed"
ORDER_CANCELLED = "orders.order.cancelled"
TICKET_OPENED = "service.ticket.opened"
TICKET_RESPONDED = "service.ticket.responded"
TICKET_SLA_BREACHED = "service.ticket.sla_breached"
TICKET_RESOLVED = "service.ticket.resolved"
SURVEY_ANSWERED = "service.survey.answered"
QA_VIOLATION = "service.qa.violation"

DEAL_EVENTS = frozenset(
    {DEAL_OPENED, DEAL_STAGE_CHANGED, DEAL_WON, DEAL_LOST, PROPOSAL_SENT}
)
LEAD_EVENTS = frozenset({LEAD_CAPTURED, LEAD_CONVERTED, LEAD_ASSIGNED})
ORDER_EVENTS = frozenset({ORDER_CREATED, ORDER_CHANGED, ORDER_CANCELLED})
TICKET_EVENTS = frozenset(
    {TICKET_OPENED, TICKET_RESPONDED, TICKET_SLA_BREACHED, TICKET_RESOLVED}
)

COMPLAINT = "complaint"
VISIT = "visit"
FIRST_RESPONSE = "first_response"


class Dimension(StrEnum):
    ALL = "all"
    REP = "rep"
    TEAM = "team"
    REGION = "region"
    PRODUCT = "product"
    SOURCE = "source"


@dataclass(frozen=True)
class FactLine:
    """One order line: lets revenue and cost be split by product."""

    product: str
    amount: EventMoney
    cost: EventMoney | None = None


@dataclass(frozen=True)
class Fact:
    fact_id: str  # the event id: the caller de-duplicates on it
    event_type: str
    occurred_at: datetime  # aware; when it happened, not when it arrived
    # Who and where. For service-desk events `rep` is the agent.
    rep: str | None = None
    team: str | None = None
    region: str | None = None
    products: tuple[str, ...] = ()
    source: str | None = None  # the lead's source channel (web, referral, ...)
    # Which business objects the event is about.
    customer_id: str | None = None
    lead_id: str | None = None
    deal_id: str | None = None
    order_id: str | None = None
    ticket_id: str | None = None
    # Money: order total / deal value, and cost when known.
    amount: EventMoney | None = None
    cost: EventMoney | None = None
    lines: tuple[FactLine, ...] = ()
    # Event-specific measures.
    probability_percent: Decimal | None = None  # deal win probability, 0-100
    channel: str | None = None  # activity channel: call, email, visit, chat
    ticket_kind: str | None = None  # complaint, inquiry, ...
    within_sla: bool | None = None  # on a first response, when the desk says
    sla_kind: str | None = None  # on a breach: first_response | resolution
    csat: int | None = None  # 1-5
    nps: int | None = None  # 0-10

    def __post_init__(self) -> None:
        if not self.fact_id:
            raise InvalidFact("a fact needs its event id")
        if not self.event_type:
            raise InvalidFact(f"fact {self.fact_id} has no event type")
        require_aware(self.occurred_at)
        # A lone code is a common slip: tuple("P1") would be ("P", "1").
        products = (self.products,) if isinstance(self.products, str) else self.products
        object.__setattr__(self, "products", tuple(products))
        object.__setattr__(self, "lines", tuple(self.lines))
        self._check_scores()
        self._check_probability()
        self._check_lines_match_amount()

    def _check_scores(self) -> None:
        if self.csat is not None and not 1 <= self.csat <= 5:
            raise InvalidFact(f"fact {self.fact_id}: CSAT {self.csat} is not 1-5")
        if self.nps is not None and not 0 <= self.nps <= 10:
            raise InvalidFact(f"fact {self.fact_id}: NPS {self.nps} is not 0-10")

    def _check_probability(self) -> None:
        if self.probability_percent is None:
            return
        probability = require_decimal(self.probability_percent, "probability_percent")
        if not 0 <= probability <= 100:
            raise InvalidFact(
                f"fact {self.fact_id}: probability {probability} % is not 0-100"
            )
        object.__setattr__(self, "probability_percent", probability)

    def _check_lines_match_amount(self) -> None:
        # Lines are authoritative for revenue; a total that disagrees with
        # them would make "by product" and "all" figures differ silently.
        if not self.lines or self.amount is None:
            return
        if any(line.amount.currency != self.amount.currency for line in self.lines):
            return
        lines_total = sum((line.amount.amount for line in self.lines), Decimal(0))
        if lines_total != self.amount.amount:
            raise InvalidFact(
                f"fact {self.fact_id}: lines add up to {lines_total}, "
                f"order total is {self.amount.amount}"
            )

    @property
    def product_codes(self) -> tuple[str, ...]:
        """Products named by the fact or by its lines, without repeats."""
        seen = dict.fromkeys(self.products)
        seen.update(dict.fromkeys(line.product for line in self.lines))
        return tuple(seen)

    def value_of(self, dimension: Dimension) -> str | None:
        """This fact's value for a single-valued dimension (not product)."""
        match dimension:
            case Dimension.REP:
                return self.rep
            case Dimension.TEAM:
                return self.team
            case Dimension.REGION:
                return self.region
            case Dimension.SOURCE:
                return self.source
        raise ValueError(f"{dimension} is not a single-valued dimension")


def chronological(facts: list[Fact]) -> list[Fact]:
    """Facts by time, then id: a stable order that does not depend on arrival."""
    return sorted(facts, key=lambda fact: (fact.occurred_at, fact.fact_id))


@dataclass(frozen=True)
class Scope:
    """Filters for a metric; None means "any". All given filters must hold."""

    rep: str | None = None
    team: str | None = None
    region: str | None = None
    product: str | None = None
    source: str | None = None

    def matches_dimensions(self, fact: Fact) -> bool:
        """Checks rep, team, region and source (product is checked by callers
        that can split an order by line)."""
        return (
            (self.rep is None or fact.rep == self.rep)
            and (self.team is None or fact.team == self.team)
            and (self.region is None or fact.region == self.region)
            and (self.source is None or fact.source == self.source)
        )

    def matches(self, fact: Fact) -> bool:
        return self.matches_dimensions(fact) and (
            self.product is None or self.product in fact.product_codes
        )

    def narrowed(self, dimension: Dimension, value: str) -> Scope:
        if dimension is Dimension.ALL:
            return self
        return Scope(**{**self.__dict__, dimension.value: value})


EVERYTHING = Scope()
