"""The deal aggregate: what the rep is pursuing, where it stands, and its history.

The stage rules live in ``stages``; the deal applies their ``StageChange``
records to itself, keeps them as its history (which is the stage_changed event
stream) and answers "how likely, which grade" through ``probability``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from . import stages
from .contracts import ContractSigned
from .errors import NotAllowed, RuleViolation
from .forecast import ForecastDeal
from .money import require_currency
from .probability import (
    DEFAULT_GRADE_THRESHOLDS,
    DEFAULT_STAGE_PROBABILITIES,
    Grade,
    GradeThresholds,
    StageProbabilities,
    win_probability,
)
from .stages import Stage, StageChange
from .validation import (
    optional_text,
    require_aware,
    require_date,
    require_decimal,
    require_not_before,
    require_percent,
    require_text,
)


@dataclass(frozen=True)
class SpinNotes:
    """SPIN selling notes: Situation, Problem, Implication, Need-payoff questions and answers."""

    situation: str = ""
    problem: str = ""
    implication: str = ""
    need_payoff: str = ""

    def __post_init__(self) -> None:
        for name in ("situation", "problem", "implication", "need_payoff"):
            object.__setattr__(self, name, optional_text(getattr(self, name), name) or "")


@dataclass
class Deal:
    id: str
    customer_id: str
    owner_rep_id: str
    team: str
    region: str
    title: str
    currency: str
    amount: Decimal
    expected_close_date: date
    opened_at: datetime
    stage: Stage = Stage.QUALIFICATION
    probability_override: Decimal | None = None
    needs: str = ""
    goals: str = ""
    competitors: tuple[str, ...] = ()
    spin: SpinNotes = field(default_factory=SpinNotes)
    lost_reason: str | None = None
    lost_to: str | None = None
    history: list[StageChange] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("id", "customer_id", "owner_rep_id", "team", "region", "title"):
            setattr(self, name, require_text(getattr(self, name), name))
        self.currency = require_currency(self.currency)
        self.amount = _require_amount(self.amount)
        self.expected_close_date = require_date(self.expected_close_date, "expected_close_date")
        self.opened_at = require_aware(self.opened_at, "opened_at")
        self.stage = stages.parse_stage(self.stage)
        if self.probability_override is not None:
            self.probability_override = require_percent(self.probability_override, "probability_override")
        self.competitors = tuple(dict.fromkeys(c.strip() for c in self.competitors if c and c.strip()))

    @property
    def is_open(self) -> bool:
        return self.stage.is_open

    def move_to(
        self,
        to: Stage | str,
        *,
        by: str,
        at: datetime,
        reason: str | None = None,
        competitor: str | None = None,
    ) -> StageChange:
        change = stages.transition(self.stage, to, by=by, at=at, reason=reason, competitor=competitor)
        return self._apply(change)

    def lose(self, *, by: str, at: datetime, reason: str, competitor: str | None = None) -> StageChange:
        return self._apply(stages.lose(self.stage, by=by, at=at, reason=reason, competitor=competitor))

    def reopen(self, to_stage: Stage | str, *, by: str, at: datetime, reason: str) -> StageChange:
        return self._apply(stages.reopen(self.stage, to_stage, by=by, at=at, reason=reason))

    def win(self, signed: ContractSigned, *, by: str) -> StageChange:
        """Close the deal as won from the signature of its own contract."""
        if signed.deal_id != self.id:
            raise RuleViolation(f"contract {signed.contract_id} belongs to deal {signed.deal_id}", "deal_id")
        return self._apply(stages.win(self.stage, by=by, at=signed.signed_at, contract_signed=True))

    def override_probability(self, value: Decimal | None, *, by: str) -> None:
        """The owner's own judgement of the odds; ``None`` returns to the stage default."""
        if by != self.owner_rep_id:
            raise NotAllowed("only the deal's owner can override its win probability")
        if self.stage.is_closed:
            raise RuleViolation("a closed deal's probability is fixed", "probability_override")
        self.probability_override = None if value is None else require_percent(value, "probability_override")

    def probability(self, table: StageProbabilities = DEFAULT_STAGE_PROBABILITIES) -> Decimal:
        return win_probability(self.stage, self.probability_override, table)

    def grade(
        self,
        thresholds: GradeThresholds = DEFAULT_GRADE_THRESHOLDS,
        table: StageProbabilities = DEFAULT_STAGE_PROBABILITIES,
    ) -> Grade:
        return thresholds.grade(self.probability(table))

    def forecast_record(
        self, fx_rate: Decimal, table: StageProbabilities = DEFAULT_STAGE_PROBABILITIES
    ) -> ForecastDeal:
        return ForecastDeal(
            id=self.id,
            owner_rep_id=self.owner_rep_id,
            team=self.team,
            region=self.region,
            stage=self.stage,
            amount=self.amount,
            currency=self.currency,
            fx_rate=fx_rate,
            probability=self.probability(table),
            expected_close_date=self.expected_close_date,
        )

    def _apply(self, change: StageChange) -> StageChange:
        last_at = self.history[-1].at if self.history else self.opened_at
        require_not_before(change.at, last_at, "at")
        self.history.append(change)
        self.stage = change.to_stage
        # An override judged the deal where it stood; after a move the new stage's default applies.
        self.probability_override = None
        self._record_outcome(change)
        return change

    def _record_outcome(self, change: StageChange) -> None:
        if change.kind is stages.ChangeKind.LOST:
            self.lost_reason, self.lost_to = change.reason, change.competitor
            if change.competitor and change.competitor not in self.competitors:
                self.competitors = (*self.competitors, change.competitor)
        elif change.kind is stages.ChangeKind.REOPEN:
            self.lost_reason = self.lost_to = None


def _require_amount(amount: Decimal) -> Decimal:
    value = require_decimal(amount, "amount")
    if value < 0:
        raise RuleViolation("a deal amount cannot be negative", "amount")
    return value
