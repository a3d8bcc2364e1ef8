"""Rows to domain objects and back: the only place that knows both shapes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from deals.config import DealsConfig
from deals.domain import (
    Contract,
    ContractStatusChange,
    Deal,
    DealProposals,
    LineItem,
    NegotiationMinutes,
    NotFound,
    Quote,
    QuoteTotals,
    SpinNotes,
    StageChange,
)
from deals.domain.money import round_money
from deals.domain.quotes import price_line
from deals.models import (
    ContractChangeRow,
    ContractItemRow,
    ContractRow,
    DealRow,
    MinutesRow,
    ProposalItemRow,
    ProposalRow,
    StageChangeRow,
)

GRADE_PRIORITY = {"A": 1, "B": 2, "C": 3}


# -- lookups ----------------------------------------------------------------------------------
def deal_row(session, deal_id: str) -> DealRow:
    # Its stage history comes in the same query: every command turns the row into a Deal.
    row = session.get(DealRow, deal_id, options=[joinedload(DealRow.changes)])
    if row is None:
        raise NotFound(f"no deal {deal_id}")
    return row


def deal_for_lead(session, lead_id: str) -> DealRow | None:
    return session.execute(select(DealRow).where(DealRow.lead_id == lead_id)).scalar_one_or_none()


def proposal_rows(session, deal_id: str) -> list[ProposalRow]:
    query = select(ProposalRow).where(ProposalRow.deal_id == deal_id).order_by(ProposalRow.version)
    return list(session.execute(query).scalars())


def contract_for_deal(session, deal_id: str) -> ContractRow | None:
    # Its items in the same query (every caller turns it into a Contract); its history one more.
    query = select(ContractRow).where(ContractRow.deal_id == deal_id).options(joinedload(ContractRow.items))
    return session.execute(query).unique().scalar_one_or_none()


# -- deals ------------------------------------------------------------------------------------
def to_deal(row: DealRow) -> Deal:
    return Deal(
        id=row.id, customer_id=row.customer_id, owner_rep_id=row.owner_rep_id, team=row.team,
        region=row.region, title=row.title, currency=row.currency, amount=row.amount,
        expected_close_date=row.expected_close_date, opened_at=row.opened_at, stage=row.stage,
        probability_override=row.probability_override, needs=row.needs or "", goals=row.goals or "",
        competitors=tuple(row.competitors or ()), spin=SpinNotes(**(row.spin or {})),
        lost_reason=row.lost_reason, lost_to=row.lost_to,
        history=[_to_change(change) for change in row.changes],
    )


def _to_change(row: StageChangeRow) -> StageChange:
    return StageChange(from_stage=row.from_stage, to_stage=row.to_stage, kind=row.kind, by=row.changed_by,
                       at=row.changed_at, reason=row.reason, competitor=row.competitor)


def write_deal(row: DealRow, deal: Deal, config: DealsConfig, now: datetime) -> DealRow:
    """Copy the deal onto its row, with the figures lists and forecasts read back."""
    table = config.stage_probabilities
    row.customer_id, row.title = deal.customer_id, deal.title
    row.owner_rep_id, row.team, row.region = deal.owner_rep_id, deal.team, deal.region
    row.stage, row.currency = deal.stage.value, deal.currency
    row.amount = round_money(deal.amount, deal.currency)
    row.expected_close_date = deal.expected_close_date
    row.probability_override = deal.probability_override
    row.probability = deal.probability(table)
    row.grade = deal.grade(config.grade_thresholds, table).value
    row.needs, row.goals = deal.needs, deal.goals
    row.competitors = list(deal.competitors)
    row.spin = {name: getattr(deal.spin, name) for name in ("situation", "problem", "implication", "need_payoff")}
    row.lost_reason, row.lost_to = deal.lost_reason, deal.lost_to
    for change in deal.history[len(row.changes):]:
        row.changes.append(StageChangeRow(
            from_stage=change.from_stage.value, to_stage=change.to_stage.value, kind=change.kind.value,
            changed_by=change.by, changed_at=change.at, reason=change.reason, competitor=change.competitor,
            probability=table.for_stage(change.to_stage)))
    row.closed_at = deal.history[-1].at if deal.stage.is_closed and deal.history else None
    row.updated_at = row.touched_at = now
    row.followup_due_at = now + config.followup_interval(deal.grade(config.grade_thresholds, table)) \
        if deal.is_open else None
    return row


# -- proposals ------------------------------------------------------------------------------------
def to_line_item(row) -> LineItem:
    return LineItem(product_code=row.product_code, description=row.description or "", quantity=row.quantity,
                    unit_price=row.unit_price, discount_pct=row.discount_pct, tax_rate_pct=row.tax_rate_pct,
                    unit_cost=row.unit_cost)


def _line_values(item: LineItem, position: int) -> dict:
    return {"position": position, "product_code": item.product_code, "description": item.description,
            "quantity": item.quantity, "unit_price": item.unit_price, "discount_pct": item.discount_pct,
            "tax_rate_pct": item.tax_rate_pct, "unit_cost": item.unit_cost}


def to_quote(row: ProposalRow) -> Quote:
    return Quote(
        deal_id=row.deal_id, version=row.version, currency=row.currency, valid_until=row.valid_until,
        created_by=row.created_by, created_at=row.created_at,
        items=tuple(to_line_item(item) for item in row.items), notes=row.notes or "", status=row.status,
        sent_at=row.sent_at, decided_at=row.decided_at, rejection_reason=row.rejection_reason,
    )


def to_proposals(deal_id: str, rows: list[ProposalRow]) -> DealProposals:
    return DealProposals(deal_id, [to_quote(row) for row in rows])


def write_quote(session, row: ProposalRow, quote: Quote) -> ProposalRow:
    row.deal_id, row.version, row.currency = quote.deal_id, quote.version, quote.currency
    row.status, row.valid_until, row.notes = quote.status.value, quote.valid_until, quote.notes
    row.created_by, row.created_at = quote.created_by, quote.created_at
    row.sent_at, row.decided_at, row.rejection_reason = quote.sent_at, quote.decided_at, quote.rejection_reason
    _write_totals(row, quote.totals)
    if tuple(to_line_item(item) for item in row.items) != quote.items:
        _replace_items(session, row.items, quote.items, ProposalItemRow)
    return row


def _write_totals(row, totals: QuoteTotals) -> None:
    row.list_amount, row.discount, row.net = totals.list_amount, totals.discount, totals.net
    row.tax, row.gross = totals.tax, totals.gross


def _replace_items(session, current: list, items, row_type) -> None:
    if current:
        current.clear()
        # The old lines must be gone before new ones take their positions.
        session.flush()
    current.extend(row_type(**_line_values(item, position)) for position, item in enumerate(items, start=1))


def priced_items(rows, currency: str) -> list[dict]:
    """Line rows with their computed amounts, as the API and the events show them."""
    lines = []
    for row in rows:
        priced = price_line(to_line_item(row), currency)
        lines.append({**_line_values(priced.item, row.position), "currency": currency,
                      "list_amount": priced.list_amount, "discount": priced.discount, "net": priced.net,
                      "tax": priced.tax, "gross": priced.gross})
    return lines


def totals_of(row) -> dict:
    return {"currency": row.currency, "list_amount": row.list_amount, "discount": row.discount,
            "net": row.net, "tax": row.tax, "gross": row.gross}


# -- negotiation minutes ------------------------------------------------------------------------------
def new_minutes_row(minutes_id: str, minutes: NegotiationMinutes) -> MinutesRow:
    return MinutesRow(
        id=minutes_id, deal_id=minutes.deal_id, subject=minutes.subject, held_at=minutes.held_at,
        recorded_by=minutes.recorded_by, recorded_at=minutes.recorded_at,
        attendees=[{"name": a.name, "side": a.side.value, "title": a.title} for a in minutes.attendees],
        agreed_points=list(minutes.agreed_points), open_points=list(minutes.open_points),
        next_steps=[{"action": s.action, "owner": s.owner, "due": s.due.isoformat() if s.due else None}
                    for s in minutes.next_steps],
    )


# -- contracts ----------------------------------------------------------------------------------------
def to_contract(row: ContractRow) -> Contract:
    return Contract(
        id=row.id, deal_id=row.deal_id, customer_id=row.customer_id, owner_rep_id=row.owner_rep_id,
        drafted_by=row.drafted_by, drafted_at=row.drafted_at, quote_version=row.quote_version,
        currency=row.currency, items=tuple(to_line_item(item) for item in row.items),
        totals=QuoteTotals(row.currency, row.list_amount, row.discount, row.net, row.tax, row.gross),
        delivery_terms=row.delivery_terms, payment_terms=row.payment_terms, delivery_date=row.delivery_date,
        status=row.status, revision=row.revision, reviewed_by=row.reviewed_by, reviewed_at=row.reviewed_at,
        rejection_reason=row.rejection_reason, signed_at=row.signed_at, signatory_name=row.signatory,
        history=[ContractStatusChange(c.from_status, c.to_status, c.changed_by, c.changed_at, c.reason)
                 for c in row.changes],
    )


def write_contract(session, row: ContractRow, contract: Contract, now: datetime) -> ContractRow:
    row.id, row.deal_id, row.customer_id = contract.id, contract.deal_id, contract.customer_id
    row.owner_rep_id, row.drafted_by, row.drafted_at = contract.owner_rep_id, contract.drafted_by, contract.drafted_at
    row.quote_version, row.currency, row.status = contract.quote_version, contract.currency, contract.status.value
    row.revision, row.delivery_terms, row.payment_terms = contract.revision, contract.delivery_terms, contract.payment_terms
    row.delivery_date, row.reviewed_by, row.reviewed_at = contract.delivery_date, contract.reviewed_by, contract.reviewed_at
    row.rejection_reason, row.signed_at, row.signatory = contract.rejection_reason, contract.signed_at, contract.signatory_name
    _write_totals(row, contract.totals)
    if not row.items:
        _replace_items(session, row.items, contract.items, ContractItemRow)
    for change in contract.history[len(row.changes):]:
        row.changes.append(ContractChangeRow(from_status=change.from_status.value, to_status=change.to_status.value,
                                             changed_by=change.by, changed_at=change.at, reason=change.reason))
    row.updated_at = now
    return row


def followup_priority(grade: str) -> int:
    return GRADE_PRIORITY.get(grade, 3)
