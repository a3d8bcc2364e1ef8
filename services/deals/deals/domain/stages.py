"""The deal's sales stages and the rules for moving between them.

qualification -> needs_analysis -> proposal -> negotiation -> contract_review -> won | lost

- Forward moves may skip stages (a referral can arrive ready for a proposal).
- Backward moves between open stages are allowed and recorded as ``back``, so
  slipping deals show up in the history instead of being rewritten.
- ``lost`` is reachable from every open stage and needs a reason.
- A lost deal comes back only through an explicit ``reopen``.
- ``won`` is reached only by signing a contract, and is final.

Every function returns a ``StageChange`` record or raises; none mutates anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import IllegalTransition, RuleViolation
from .validation import optional_text, require_aware, require_text


class Stage(StrEnum):
    QUALIFICATION = "qualification"
    NEEDS_ANALYSIS = "needs_analysis"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    CONTRACT_REVIEW = "contract_review"
    WON = "won"
    LOST = "lost"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STAGES

    @property
    def is_closed(self) -> bool:
        return not self.is_open


# Pipeline order; a stage's index is its position along the sales process.
OPEN_STAGES: tuple[Stage, ...] = (
    Stage.QUALIFICATION,
    Stage.NEEDS_ANALYSIS,
    Stage.PROPOSAL,
    Stage.NEGOTIATION,
    Stage.CONTRACT_REVIEW,
)
ALL_STAGES: tuple[Stage, ...] = (*OPEN_STAGES, Stage.WON, Stage.LOST)


class ChangeKind(StrEnum):
    ADVANCE = "advance"
    BACK = "back"
    LOST = "lost"
    REOPEN = "reopen"
    WON = "won"


@dataclass(frozen=True)
class StageChange:
    """One entry of a deal's stage history (and the payload of stage_changed)."""

    from_stage: Stage
    to_stage: Stage
    kind: ChangeKind
    by: str
    at: datetime
    reason: str | None = None
    competitor: str | None = None

    @property
    def steps(self) -> int:
        """How many pipeline positions an advance or back move covered (0 otherwise)."""
        if self.kind not in (ChangeKind.ADVANCE, ChangeKind.BACK):
            return 0
        return abs(OPEN_STAGES.index(self.to_stage) - OPEN_STAGES.index(self.from_stage))


def parse_stage(value: Stage | str, field: str = "stage") -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise RuleViolation(f"unknown stage {value!r}", field) from None


def transition(
    current: Stage | str,
    to: Stage | str,
    *,
    by: str,
    at: datetime,
    reason: str | None = None,
    competitor: str | None = None,
) -> StageChange:
    """Move an open deal forward, back, or to lost.

    Won and reopen have their own functions because each needs something a plain
    move does not: a signed contract, or a deliberate decision to revive a loss.
    """
    current, to = parse_stage(current), parse_stage(to, "to_stage")
    if to is Stage.LOST:
        return lose(current, by=by, at=at, reason=reason, competitor=competitor)
    _require_open(current)
    if to is Stage.WON:
        raise IllegalTransition("a deal is won only by signing its contract")
    if to is current:
        raise IllegalTransition(f"the deal is already in {current}")
    if competitor is not None:
        raise RuleViolation("a competitor is recorded only when a deal is lost", "competitor")
    kind = ChangeKind.ADVANCE if _position(to) > _position(current) else ChangeKind.BACK
    return _change(current, to, kind, by, at, optional_text(reason, "reason"))


def lose(
    current: Stage | str,
    *,
    by: str,
    at: datetime,
    reason: str | None,
    competitor: str | None = None,
) -> StageChange:
    """Close an open deal as lost; the reason feeds win/loss analysis, so it is mandatory."""
    current = parse_stage(current)
    _require_open(current)
    lost_reason = optional_text(reason, "reason")
    if lost_reason is None:
        raise RuleViolation("a lost deal needs a reason", "reason")
    return _change(
        current, Stage.LOST, ChangeKind.LOST, by, at, lost_reason,
        competitor=optional_text(competitor, "competitor"),
    )


def reopen(
    current: Stage | str,
    to_stage: Stage | str,
    *,
    by: str,
    at: datetime,
    reason: str | None,
) -> StageChange:
    """Revive a lost deal into an open stage of the caller's choice, with a reason."""
    current, to_stage = parse_stage(current), parse_stage(to_stage, "to_stage")
    if current is not Stage.LOST:
        raise IllegalTransition(f"only a lost deal can be reopened; this one is {current}")
    if not to_stage.is_open:
        raise IllegalTransition(f"a deal is reopened into an open stage, not {to_stage}")
    reopen_reason = optional_text(reason, "reason")
    if reopen_reason is None:
        raise RuleViolation("reopening a lost deal needs a reason", "reason")
    return _change(current, to_stage, ChangeKind.REOPEN, by, at, reopen_reason)


def win(current: Stage | str, *, by: str, at: datetime, contract_signed: bool) -> StageChange:
    """Close an open deal as won; only a signed contract can do this.

    Any open stage is accepted: the signature is the fact that matters, and
    refusing it because a rep forgot to move the deal to contract_review would
    lose a real sale over bookkeeping.
    """
    current = parse_stage(current)
    _require_open(current)
    if contract_signed is not True:
        raise IllegalTransition("a deal is won only when its contract is signed")
    return _change(current, Stage.WON, ChangeKind.WON, by, at, None)


def _require_open(current: Stage) -> None:
    if current is Stage.WON:
        raise IllegalTransition("a won deal is final")
    if current is Stage.LOST:
        raise IllegalTransition("a lost deal must be reopened explicitly before it can move")


def _position(stage: Stage) -> int:
    return OPEN_STAGES.index(stage)


def _change(
    current: Stage,
    to: Stage,
    kind: ChangeKind,
    by: str,
    at: datetime,
    reason: str | None,
    competitor: str | None = None,
) -> StageChange:
    return StageChange(
        from_stage=current,
        to_stage=to,
        kind=kind,
        by=require_text(by, "by"),
        at=require_aware(at, "at"),
        reason=reason,
        competitor=competitor,
    )
