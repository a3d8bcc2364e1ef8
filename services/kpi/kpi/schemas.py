"""Marshmallow schemas of the KPI API: what comes in (unknown fields rejected,
messages per field) and what goes out (decimals as strings)."""

from __future__ import annotations

from datetime import timezone
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from salesloop.web.fields import Boolean, DecimalString, Id, Moment, PageOf, Text, page_args

from kpi.domain.access import DIMENSIONS
from kpi.domain.counter_metrics import CATALOG
from kpi.domain.errors import InvalidPeriod
from kpi.domain.metric_value import MetricValue
from kpi.domain.periods import parse_period

METRICS = [info.name for info in CATALOG]
SOURCES = ["supervisor", "self", "customer", "peer"]
BASES = ["revenue", "gross_profit"]
PERCENT = validate.Range(min=0, max=100)


def _period(value: str) -> None:
    try:
        parse_period(value, timezone.utc)  # the format; the company calendar comes later
    except InvalidPeriod as exc:
        raise ValidationError(exc.message) from exc


def period_field(**kwargs):
    return fields.String(required=True, validate=_period, metadata={
        "description": "2026, 2026-Q4, 2026-11, 2026-W47, 2026-11-25 or 2026-11-01..2026-11-15 (company calendar)"},
        **kwargs)


money = DecimalString


# Every list answers {items, page, page_size, total}; ten a page by default, at most a hundred.
ListArgs = page_args(10, 100)


# -- query strings ------------------------------------------------------------------------------------
class SliceArgs(Schema):
    rep = Id()
    team = Id()
    region = Id()
    product = Id()
    source = Id()

    @validates_schema
    def one_dimension(self, data, **_):
        given = [name for name in DIMENSIONS if data.get(name)]
        if len(given) > 1:
            raise ValidationError(f"give at most one of rep, team, region, product, source (got {', '.join(given)})",
                                  given[1])


class MetricsQuery(SliceArgs):
    period = period_field()


class BreakdownQuery(ListArgs):
    period = period_field()
    by = fields.String(required=True, validate=validate.OneOf(DIMENSIONS))
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    sort = fields.String(load_default="-value", validate=validate.OneOf(["-value", "value", "key", "-key"]))


class TrendQuery(SliceArgs):
    period = period_field()
    every = fields.String(required=True, validate=validate.OneOf(["day", "week", "month", "quarter", "year"]))
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))


class ReportQuery(SliceArgs):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class FactsQuery(ListArgs):
    event_type = Text(120)
    rep_id = Id()
    customer_id = Id()
    lead_id = Id()
    deal_id = Id()
    order_id = Id()
    ticket_id = Id()
    since = Moment()
    until = Moment()
    sort = fields.String(load_default="-occurred_at",
                         validate=validate.OneOf(["occurred_at", "-occurred_at", "recorded_at", "-recorded_at"]))


class PeriodQuery(Schema):
    period = period_field()


class PeriodListQuery(ListArgs):
    period = period_field()


class ClassesQuery(ListArgs):
    abc_class = fields.String(validate=validate.OneOf(["A", "B", "C"]))
    sort = fields.String(load_default="-trailing_revenue",
                         validate=validate.OneOf(["trailing_revenue", "-trailing_revenue", "customer_id",
                                                  "-changed_at"]))


# -- bodies -------------------------------------------------------------------------------------------------
class TargetIn(Schema):
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    target = money(required=True, validate=validate.Range(min=0))
    weight_percent = money(required=True, validate=PERCENT)
    direction = fields.String(validate=validate.OneOf(["higher", "lower"]),
                              metadata={"description": "defaults to the metric's (lower for cycle, violations)"})


class RulesIn(Schema):
    results_weight_percent = money(validate=PERCENT)
    attainment_cap_percent = money(allow_none=True, validate=validate.Range(min=100))
    missing_actual = fields.String(validate=validate.OneOf(["zero", "exclude"]))
    evaluation_weights = fields.Dict(keys=fields.String(validate=validate.OneOf(SOURCES)),
                                     values=DecimalString(validate=PERCENT))


class ScorecardIn(Schema):
    targets = fields.List(fields.Nested(TargetIn), required=True, validate=validate.Length(min=1, max=30))
    rules = fields.Nested(RulesIn)


class EvaluationIn(Schema):
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    score = money(required=True, validate=PERCENT)
    comment = fields.String(validate=validate.Length(max=2000))
    evaluator = Id(metadata={"description": "the customer, for a customer evaluation"})


class TierIn(Schema):
    from_attainment_percent = money(required=True, validate=validate.Range(min=0))
    rate_percent = money(required=True, validate=PERCENT)


class ComponentIn(Schema):
    basis = fields.String(required=True, validate=validate.OneOf(BASES))
    tiers = fields.List(fields.Nested(TierIn), required=True, validate=validate.Length(min=1, max=20))


class BonusIn(Schema):
    period_kind = fields.String(required=True, validate=validate.OneOf(["month", "quarter", "year"]))
    basis = fields.String(required=True, validate=validate.OneOf(BASES))
    threshold_attainment_percent = money(required=True, validate=validate.Range(min=0))
    amount = money(required=True, validate=validate.Range(min=0))


class PlanIn(Schema):
    name = Text(120, required=True)
    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))
    components = fields.List(fields.Nested(ComponentIn), load_default=list)
    bonuses = fields.List(fields.Nested(BonusIn), load_default=list)
    clawback = Boolean(load_default=False)


class AssignmentIn(Schema):
    rep_id = Id(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True)


class ClassifyIn(Schema):
    as_of = fields.Date(metadata={"description": "last day of the trailing window; default yesterday (local)"})


class RebuildIn(Schema):
    pass


# -- responses ------------------------------------------------------------------------------------------------
class MetricValueOut(Schema):
    value = fields.String(allow_none=True)
    unit = fields.String()
    note = fields.String(allow_none=True)
    has_data = Boolean()
    numerator = fields.String(allow_none=True)
    denominator = fields.String(allow_none=True)
    extra = fields.Dict(keys=fields.String(), values=fields.Raw())


class GrowthOut(Schema):
    vs_previous = fields.Nested(MetricValueOut)
    previous_period = fields.String()
    vs_last_year = fields.Nested(MetricValueOut)
    last_year_period = fields.String()


class ScopeOut(Schema):
    dimension = fields.String()
    value = fields.String(allow_none=True)


class SummaryOut(Schema):
    period = fields.String()
    period_kind = fields.String()
    start = fields.String()
    end = fields.String()
    timezone = fields.String()
    currency = fields.String()
    scope = fields.Nested(ScopeOut)
    metrics = fields.Dict(keys=fields.String(), values=fields.Nested(MetricValueOut))
    growth = fields.Dict(keys=fields.String(), values=fields.Nested(GrowthOut))
    leads_by_source = fields.Dict(keys=fields.String(), values=fields.Nested(MetricValueOut))
    violations_per_agent = fields.Dict(keys=fields.String(), values=fields.Nested(MetricValueOut))


class BreakdownItemOut(Schema):
    key = fields.String()
    metric = fields.Nested(MetricValueOut)


class TrendPointOut(Schema):
    period = fields.String()
    start = fields.String()
    end = fields.String()
    metric = fields.Nested(MetricValueOut)


class MetricInfoOut(Schema):
    name = fields.String()
    title = fields.String()
    unit = fields.String()
    direction = fields.String()
    from_rollups = Boolean()
    growth = Boolean()


class FactOut(Schema):
    event_id = fields.String()
    event_type = fields.String()
    source = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    recorded_at = fields.DateTime()
    rep_id = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    customer_id = fields.String(allow_none=True)
    lead_id = fields.String(allow_none=True)
    deal_id = fields.String(allow_none=True)
    order_id = fields.String(allow_none=True)
    ticket_id = fields.String(allow_none=True)
    currency = fields.String(allow_none=True)
    amount = money(allow_none=True)
    fx_rate = money(allow_none=True)
    amount_company = money(allow_none=True)
    data = fields.Dict()


class TargetOut(Schema):
    metric = fields.String()
    target = money()
    weight_percent = money()
    direction = fields.String()


class EvaluationOut(Schema):
    id = fields.Integer()
    source = fields.String()
    score = money()
    evaluator = fields.String()
    comment = fields.String(allow_none=True)
    recorded_at = fields.DateTime()


class ScorecardOut(Schema):
    id = fields.Integer()
    subject_kind = fields.String()
    subject_id = fields.String()
    period = fields.String()
    period_kind = fields.String()
    rules = fields.Dict()
    set_by = fields.String()
    set_at = fields.DateTime()
    targets = fields.List(fields.Nested(TargetOut))
    evaluations = fields.List(fields.Nested(EvaluationOut))


class ScoreLineOut(Schema):
    metric = fields.String()
    actual = money(allow_none=True)
    target = money()
    weight_percent = money()
    attainment_percent = money(allow_none=True)
    counted_percent = money(allow_none=True)
    points = money()
    note = fields.String(allow_none=True)
    detail = fields.Nested(MetricValueOut)


class ScoredOut(Schema):
    scorecard = fields.Nested(ScorecardOut)
    lines = fields.List(fields.Nested(ScoreLineOut))
    results_score = money(allow_none=True)
    evaluation_score = money(allow_none=True)
    evaluation_by_source = fields.Dict(keys=fields.String(), values=fields.String())
    final_score = money(allow_none=True)
    note = fields.String(allow_none=True)


class AssignmentOut(Schema):
    id = fields.Integer()
    plan_id = fields.Integer()
    rep_id = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)


class PlanOut(Schema):
    id = fields.Integer()
    name = fields.String()
    currency = fields.String()
    components = fields.Raw()
    bonuses = fields.Raw()
    clawback = Boolean()
    created_by = fields.String()
    created_at = fields.DateTime()
    assignments = fields.List(fields.Nested(AssignmentOut))


class StatementLineOut(Schema):
    kind = fields.String()
    basis = fields.String()
    description = fields.String()
    slice_amount = money(allow_none=True)
    rate_percent = money(allow_none=True)
    amount = money()


class StatementOut(Schema):
    rep_id = fields.String()
    period = fields.String()
    plan = fields.String()
    currency = fields.String()
    attainment_percent = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    lines = fields.List(fields.Nested(StatementLineOut))
    total = money()


class StatementItemOut(Schema):
    rep_id = fields.String()
    statement = fields.Nested(StatementOut, allow_none=True)
    problem = fields.String(allow_none=True)


class AwardOut(Schema):
    title = fields.String()
    winners = fields.List(fields.String())
    value = fields.String(allow_none=True)
    unit = fields.String()
    note = fields.String(allow_none=True)


class AwardsOut(Schema):
    period = fields.String()
    previous_period = fields.String()
    sales_champion = fields.Nested(AwardOut)
    most_improved = fields.Nested(AwardOut)


class CustomerClassOut(Schema):
    customer_id = fields.String()
    abc_class = fields.String()
    previous_class = fields.String(allow_none=True)
    trailing_revenue = money()
    as_of = fields.Date()
    changed_at = fields.DateTime()
    checked_at = fields.DateTime()


class ClassChangeOut(Schema):
    customer_id = fields.String()
    previous = fields.String(allow_none=True)
    current = fields.String()


class ClassifyOut(Schema):
    as_of = fields.Date()
    changes = fields.List(fields.Nested(ClassChangeOut))


class RebuildOut(Schema):
    facts = fields.Integer()
    unreadable = fields.Integer()
    rows = fields.Integer()
    reps = fields.Integer()
    seconds = fields.Float()
    timezone = fields.String()
    currency = fields.String()


class ProjectionOut(Schema):
    timezone = fields.String()
    currency = fields.String()
    configured_timezone = fields.String()
    configured_currency = fields.String()
    needs_rebuild = Boolean()
    rebuilt_at = fields.DateTime(allow_none=True)
    rebuilt_facts = fields.Integer(allow_none=True)
    facts = fields.Integer()
    rollup_rows = fields.Integer()


class ReportListOut(Schema):
    period_kind = fields.String()
    period = fields.String()
    generated_at = fields.DateTime()
    url = fields.String()


# -- presenting domain results -----------------------------------------------------------------------
# Domain results as JSON-ready dicts (decimals as strings, never floats).
def decimal_text(value) -> str | None:
    return None if value is None else format(value, "f") if isinstance(value, Decimal) else str(value)


def _plain(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def metric_json(value: MetricValue) -> dict:
    return {
        "value": decimal_text(value.value),
        "unit": value.unit,
        "note": value.note or None,
        "has_data": value.has_data,
        "numerator": decimal_text(value.numerator),
        "denominator": decimal_text(value.denominator),
        "extra": {key: _plain(item) for key, item in value.extra.items()},
    }


def metrics_json(values: dict[str, MetricValue]) -> dict:
    return {name: metric_json(value) for name, value in values.items()}


def summary_json(summary) -> dict:
    period = summary.period
    return {
        "period": period.label(), "period_kind": period.kind.value, "start": period.start.isoformat(),
        "end": period.end.isoformat(), "timezone": str(period.tz), "currency": summary.currency,
        "scope": summary.where.as_dict(),
        "metrics": metrics_json(summary.metrics),
        "growth": {name: {"vs_previous": metric_json(g.vs_previous), "previous_period": g.previous_period,
                          "vs_last_year": metric_json(g.vs_last_year), "last_year_period": g.last_year_period}
                   for name, g in summary.growth.items()},
        "leads_by_source": metrics_json(summary.leads_by_source),
        "violations_per_agent": metrics_json(summary.violations_per_agent),
    }


def award_json(award) -> dict:
    return {"title": award.title, "winners": list(award.winners), "value": decimal_text(award.value),
            "unit": award.unit, "note": award.note or None}


# -- list envelopes -----------------------------------------------------------------------------------
BreakdownPage = PageOf(BreakdownItemOut)
FactPage = PageOf(FactOut)
ScorecardPage = PageOf(ScorecardOut)
PlanPage = PageOf(PlanOut)
StatementItemPage = PageOf(StatementItemOut)
ReportListPage = PageOf(ReportListOut)
CustomerClassPage = PageOf(CustomerClassOut)
