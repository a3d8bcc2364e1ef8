"""Lists and the forecast: what people read, always within what they may see."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select

from salesloop.fx import UnknownRate
from salesloop.web.auth import Principal, visibility_clause

from deals.commands.common import current_rate, utcnow
from deals.config import DealsConfig
from deals.domain import OPEN_STAGES, ForecastDeal, Forecast, forecast, win_probability
from deals.models import ContractRow, DealRow

DEAL_SORT_COLUMNS = {
    "opened_at": DealRow.opened_at, "updated_at": DealRow.updated_at,
    "expected_close_date": DealRow.expected_close_date, "amount": DealRow.amount,
    "probability": DealRow.probability, "customer_name": DealRow.customer_name, "stage": DealRow.stage,
}
CONTRACT_SORT_COLUMNS = {"updated_at": ContractRow.updated_at, "delivery_date": ContractRow.delivery_date,
                         "drafted_at": ContractRow.drafted_at}
OPEN_STAGE_NAMES = [stage.value for stage in OPEN_STAGES]


# -- deals -------------------------------------------------------------------------------------
def deals_query(principal: Principal, filters: dict, now: datetime | None = None) -> Select:
    query = select(DealRow).where(visibility_clause(principal, DealRow.owner_rep_id, DealRow.team, DealRow.region))
    query = _common_filters(query, filters)
    if filters.get("stage"):
        query = query.where(DealRow.stage.in_(filters["stage"]))
    if filters.get("grade"):
        query = query.where(DealRow.grade.in_(filters["grade"]))
    if filters.get("status") == "open":
        query = query.where(DealRow.stage.in_(OPEN_STAGE_NAMES))
    elif filters.get("status") == "closed":
        query = query.where(DealRow.stage.not_in(OPEN_STAGE_NAMES))
    if filters.get("lead_id"):
        query = query.where(DealRow.lead_id == filters["lead_id"])
    if filters.get("q"):
        words = f"%{filters['q'].lower()}%"
        query = query.where(or_(func.lower(DealRow.title).like(words), func.lower(DealRow.customer_name).like(words)))
    if "followup_overdue" in filters:
        due = DealRow.followup_due_at < (now or utcnow())
        query = query.where(due if filters["followup_overdue"] else or_(~due, DealRow.followup_due_at.is_(None)))
    return query.order_by(*_deal_order(filters.get("sort", "-opened_at")))


def _common_filters(query: Select, filters: dict) -> Select:
    if filters.get("rep_id"):
        query = query.where(DealRow.owner_rep_id == filters["rep_id"])
    if filters.get("team"):
        query = query.where(DealRow.team == filters["team"])
    if filters.get("region"):
        query = query.where(DealRow.region == filters["region"])
    if filters.get("customer_id"):
        query = query.where(DealRow.customer_id == filters["customer_id"])
    if filters.get("close_from"):
        query = query.where(DealRow.expected_close_date >= filters["close_from"])
    if filters.get("close_to"):
        query = query.where(DealRow.expected_close_date <= filters["close_to"])
    return query


def _deal_order(sort: str) -> list:
    descending, name = sort.startswith("-"), sort.lstrip("-")
    if name == "followup":
        # Grade A first, then the most pressing due date; closed deals (no due date) last.
        keys = [DealRow.followup_due_at.is_(None), DealRow.grade, DealRow.followup_due_at]
        return [*keys, DealRow.id] if not descending else [keys[0], DealRow.grade.desc(),
                                                           DealRow.followup_due_at.desc(), DealRow.id]
    column = DEAL_SORT_COLUMNS[name]
    return [column.desc() if descending else column.asc(), DealRow.id]


# -- contracts -------------------------------------------------------------------------------------
def contracts_query(principal: Principal, filters: dict) -> Select:
    query = select(ContractRow).where(
        visibility_clause(principal, ContractRow.owner_rep_id, ContractRow.team, ContractRow.region))
    if filters.get("status"):
        query = query.where(ContractRow.status.in_(filters["status"]))
    for name, column in (("rep_id", ContractRow.owner_rep_id), ("team", ContractRow.team),
                         ("region", ContractRow.region), ("customer_id", ContractRow.customer_id)):
        if filters.get(name):
            query = query.where(column == filters[name])
    sort = filters.get("sort", "-updated_at")
    column = CONTRACT_SORT_COLUMNS[sort.lstrip("-")]
    return query.order_by(column.desc() if sort.startswith("-") else column.asc(), ContractRow.id)


# -- forecast -----------------------------------------------------------------------------------------
def pipeline_forecast(uow, config: DealsConfig, principal: Principal, filters: dict) -> tuple[Forecast, list[dict]]:
    """The weighted pipeline of the deals this person sees, in the company currency."""
    as_of = filters.get("as_of") or utcnow().astimezone(config.business_zone).date()
    query = _common_filters(
        select(DealRow).where(visibility_clause(principal, DealRow.owner_rep_id, DealRow.team, DealRow.region)),
        filters)
    rows = list(uow.session.execute(query).scalars())
    rates = _rates(uow, config, rows, _end_of(as_of, config))
    records = [_forecast_record(row, rates[row.currency]["fx_rate"], config) for row in rows]
    result = forecast(records, as_of, filters.get("group_by") or ("month", "rep", "team", "region"),
                      company_currency=config.company_currency)
    return result, sorted(rates.values(), key=lambda rate: rate["currency"])


def _forecast_record(row: DealRow, fx_rate, config: DealsConfig) -> ForecastDeal:
    # The probability is recomputed: the company may have changed its stage table since the last save.
    probability = win_probability(row.stage, row.probability_override, config.stage_probabilities)
    return ForecastDeal(id=row.id, owner_rep_id=row.owner_rep_id, team=row.team, region=row.region,
                        stage=row.stage, amount=row.amount, currency=row.currency, fx_rate=fx_rate,
                        probability=probability, expected_close_date=row.expected_close_date)


def _rates(uow, config: DealsConfig, rows: list[DealRow], at: datetime) -> dict[str, dict]:
    """One rate per currency, as of the forecast date; a deal's last known rate when the table has none."""
    rates: dict[str, dict] = {}
    for row in rows:
        if row.currency in rates:
            continue
        try:
            rates[row.currency] = {"currency": row.currency, "source": "rate table",
                                   "fx_rate": current_rate(uow, config, row.currency, at)}
        except UnknownRate:
            rates[row.currency] = {"currency": row.currency, "source": f"last known rate of deal {row.id}",
                                   "fx_rate": row.fx_rate}
    return rates


def _end_of(day: date, config: DealsConfig) -> datetime:
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=config.business_zone)
    return min(end, utcnow())
