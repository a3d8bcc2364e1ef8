"""Compliance rules and supervisors' reviews of sampled interactions."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from salesloop.web.auth import Principal, visibility_clause

from service_desk.commands.common import new_id, utcnow, visible_row
from service_desk.config import DeskConfig
from service_desk.domain.errors import AlreadyExists
from service_desk.domain.qa import (DEFAULT_REVIEW_FORM, ComplianceRule, MatchKind, Period, check,
                                    ensure_within_budget, sample)
from service_desk.models import InteractionRow, QaReviewRow, QaRuleRow
from service_desk.repository import active_rules, get_row, rule_config, rule_row, seed_rules

RULE_FIELDS = ("pattern", "category", "severity", "kind", "variants", "description")


# -- rules ---------------------------------------------------------------------------------------


def create_rule(uow, desk: DeskConfig, principal: Principal, data: dict) -> QaRuleRow:
    seed_rules(uow, desk.initial_rules)
    rule_id = data.get("id") or f"{data['category']}.{new_id()[:8]}"
    if uow.session.get(QaRuleRow, rule_id) is not None:
        raise AlreadyExists(f"a compliance rule {rule_id} exists already; change it with PATCH")
    rule = ComplianceRule(id=rule_id, **{k: _as_rule_value(k, data[k]) for k in RULE_FIELDS if k in data})
    if rule.kind is MatchKind.REGEX:
        ensure_within_budget(_active_regex_rules(uow, rule_id))
    row = rule_row(rule, utcnow(), principal.user)
    uow.add(row)
    return row


def update_rule(uow, desk: DeskConfig, principal: Principal, rule_id: str, data: dict) -> QaRuleRow:
    seed_rules(uow, desk.initial_rules)
    row = get_row(uow, QaRuleRow, rule_id, "compliance rule")
    changed = {**rule_config(row), **{k: data[k] for k in RULE_FIELDS if k in data}}
    rule = ComplianceRule(**{k: _as_rule_value(k, v) for k, v in changed.items()})  # checks pattern and enums
    if rule.kind is MatchKind.REGEX and data.get("active", row.active) and not (row.active and row.kind == "regex"):
        ensure_within_budget(_active_regex_rules(uow, rule_id))
    for key in RULE_FIELDS:
        setattr(row, key, list(rule.variants) if key == "variants" else str(getattr(rule, key)))
    if "active" in data:
        row.active = data["active"]
    row.updated_at, row.updated_by = utcnow(), principal.user
    return row


def deactivate_rule(uow, desk: DeskConfig, principal: Principal, rule_id: str) -> QaRuleRow:
    return update_rule(uow, desk, principal, rule_id, {"active": False})


def list_rules(uow, desk: DeskConfig, filters: dict) -> list[QaRuleRow]:
    seed_rules(uow, desk.initial_rules)
    query = select(QaRuleRow).order_by(QaRuleRow.id)
    if filters.get("category"):
        query = query.where(QaRuleRow.category == filters["category"])
    if filters.get("active") is not None:
        query = query.where(QaRuleRow.active.is_(filters["active"]))
    return list(uow.session.execute(query).scalars())


def check_text(uow, desk: DeskConfig, text: str):
    return check(text, active_rules(uow, desk.initial_rules))


def _active_regex_rules(uow, other_than: str) -> int:
    return uow.session.execute(select(func.count()).select_from(QaRuleRow).where(
        QaRuleRow.active.is_(True), QaRuleRow.kind == "regex", QaRuleRow.id != other_than)).scalar()


def _as_rule_value(key: str, value):
    return tuple(value or ()) if key == "variants" else value


# -- reviews ---------------------------------------------------------------------------------------


def sample_reviews(uow, principal: Principal, data: dict) -> list[QaReviewRow]:
    """A reproducible random sample per agent; asking again with the same seed adds nothing."""
    period = Period(data["period_start"], data["period_end"])
    seed = data.get("seed") or secrets.token_hex(8)
    picked = sample(_candidates(uow, principal, period, data.get("agent_ids")), data["per_agent"], period, seed)
    now, reviews = utcnow(), []
    for interactions in picked.values():
        for interaction in interactions:
            reviews.append(_review_for(uow, principal, interaction, period, seed, now))
    uow.flush()
    return reviews


def score_review(uow, principal: Principal, review_id: str, data: dict) -> QaReviewRow:
    review = visible_row(uow, principal, QaReviewRow, review_id, "review")
    result = DEFAULT_REVIEW_FORM.score(data["marks"])
    review.marks, review.score, review.critical_failure = dict(data["marks"]), result.score, result.critical_failure
    review.comments, review.reviewer_id = data.get("comments"), principal.user
    review.status, review.scored_at = "scored", utcnow()
    return review


def _candidates(uow, principal: Principal, period: Period, agent_ids) -> list[InteractionRow]:
    query = select(InteractionRow).where(
        InteractionRow.started_at >= period.start, InteractionRow.started_at < period.end,
        visibility_clause(principal, InteractionRow.agent_id, InteractionRow.team, InteractionRow.region))
    if agent_ids:
        query = query.where(InteractionRow.agent_id.in_(agent_ids))
    return list(uow.session.execute(query).scalars())


def _review_for(uow, principal, interaction: InteractionRow, period: Period, seed: str, now) -> QaReviewRow:
    existing = uow.session.execute(
        select(QaReviewRow).where(QaReviewRow.interaction_id == interaction.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    review = QaReviewRow(id=new_id(), interaction_id=interaction.id, agent_id=interaction.agent_id,
                         team=interaction.team, region=interaction.region, period_start=period.start,
                         period_end=period.end, seed=seed, status="pending", sampled_at=now,
                         sampled_by=principal.user)
    uow.add(review)
    return review
