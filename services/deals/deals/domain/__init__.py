"""The deals service's domain: plain Python rules, no framework imports.

Modules: stages (stage moves), probability (win odds and A/B/C grade), quotes
(versioned proposals and their money), contracts (review, approval, signature),
negotiation (minutes), forecast (weighted pipeline), deal (the aggregate),
errors (the exceptions the web layer maps to HTTP statuses).
"""
from .actors import APPROVER_ROLES, Actor
from .contracts import Contract, ContractSigned, ContractStatus, ContractStatusChange, draft_contract
from .deal import Deal, SpinNotes
from .errors import (
    AlreadyAccepted,
    AlreadySigned,
    DomainError,
    IllegalTransition,
    NotAllowed,
    NotFound,
    QuoteExpired,
    RuleViolation,
)
from .forecast import FORECAST_DIMENSIONS, Forecast, ForecastDeal, PipelineFigure, StageFigure, forecast
from .money import minor_unit, round_money, to_company_currency
from .negotiation import Attendee, NegotiationMinutes, NextStep, Side
from .probability import (
    DEFAULT_GRADE_THRESHOLDS,
    DEFAULT_STAGE_PROBABILITIES,
    Grade,
    GradeThresholds,
    StageProbabilities,
    default_probability,
    grade_for,
    win_probability,
)
from .quotes import DealProposals, LineItem, PricedLine, Quote, QuoteStatus, QuoteTotals, price_line
from .stages import ALL_STAGES, OPEN_STAGES, ChangeKind, Stage, StageChange, lose, reopen, transition, win

__all__ = [
    "ALL_STAGES", "APPROVER_ROLES", "Actor", "AlreadyAccepted", "AlreadySigned", "Attendee",
    "ChangeKind", "Contract", "ContractSigned", "ContractStatus", "ContractStatusChange",
    "DEFAULT_GRADE_THRESHOLDS", "DEFAULT_STAGE_PROBABILITIES", "Deal", "DealProposals",
    "DomainError", "FORECAST_DIMENSIONS", "Forecast", "ForecastDeal", "Grade", "GradeThresholds",
    "IllegalTransition", "LineItem", "NegotiationMinutes", "NextStep", "NotAllowed", "NotFound", "OPEN_STAGES",
    "PipelineFigure", "PricedLine", "Quote", "QuoteExpired", "QuoteStatus", "QuoteTotals",
    "RuleViolation", "Side", "SpinNotes", "Stage", "StageChange", "StageFigure", "StageProbabilities",
    "default_probability", "draft_contract", "forecast", "grade_for", "lose", "minor_unit",
    "price_line", "reopen", "round_money", "to_company_currency", "transition", "win",
    "win_probability",
]
