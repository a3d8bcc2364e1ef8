"""Dated exchange rates to the company currency, kept in each money service's database.

Every money event carries the rate in force when it happened, so the KPIs can
add amounts in the company currency without asking anyone.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError

from salesloop.db import UtcDateTime
from salesloop.web.errors import Problem

if TYPE_CHECKING:
    from sqlalchemy import CursorResult, Row, RowMapping
    from sqlalchemy.orm import Session

FX_RATES = "fx_rates"


class UnknownRate(LookupError):
    """No rate for that currency on that date: the amount cannot be booked."""


def add_fx_table(metadata: MetaData) -> None:
    Table(
        FX_RATES, metadata,
        Column("id", Integer, primary_key=True),
        Column("currency", String(3), nullable=False),
        Column("rate", Numeric(20, 10), nullable=False),
        Column("valid_from", UtcDateTime(), nullable=False),
        UniqueConstraint("currency", "valid_from", name="uq_fx_rate_currency_from"),
    )


def rate_for(session: Session, metadata: MetaData, currency: str, company_currency: str,
             at: datetime | None = None) -> Decimal:
    """Company-currency units per one unit of ``currency`` at ``at`` (default now)."""
    currency = currency.upper()
    if currency == company_currency.upper():
        return Decimal(1)
    table = metadata.tables[FX_RATES]
    at = at or datetime.now(timezone.utc)
    rate = session.execute(
        select(table.c.rate).where(table.c.currency == currency, table.c.valid_from <= at)
        .order_by(table.c.valid_from.desc()).limit(1)
    ).scalar()
    if rate is None:
        raise UnknownRate(f"no exchange rate for {currency} on {at.date().isoformat()}; add one at /fx-rates")
    return Decimal(rate)


class RateIn(Schema):
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    rate = fields.Decimal(required=True, as_string=True, validate=validate.Range(min=Decimal("0"), min_inclusive=False))
    valid_from = fields.AwareDateTime(required=True, default_timezone=timezone.utc)


class RateOut(RateIn):
    id = fields.Integer()


def fx_blueprint() -> Blueprint:
    from salesloop.web.app import uow
    from salesloop.web.auth import require_roles

    blp = Blueprint("fx_rates", __name__, url_prefix="/fx-rates",
                    description="Dated exchange rates to the company currency")

    @blp.route("")
    class Rates(MethodView):
        @blp.response(200, RateOut(many=True))
        def get(self) -> list[RowMapping]:
            unit = uow()
            table = unit.metadata.tables[FX_RATES]
            rows = unit.session.execute(select(table).order_by(table.c.currency, table.c.valid_from)).all()
            return [row._mapping for row in rows]

        @require_roles("ops", "director", "admin")
        @blp.arguments(RateIn)
        @blp.response(201, RateOut)
        def post(self, rate: dict[str, Any]) -> dict[str, Any]:
            unit = uow()
            table = unit.metadata.tables[FX_RATES]
            try:
                # Session.execute promises a Result; an INSERT's is a CursorResult, with the new row's key.
                inserted = cast("CursorResult[Any]", unit.session.execute(table.insert().values(**rate)))
                new_id = cast("Row[Any]", inserted.inserted_primary_key)[0]
                unit.commit()
            except IntegrityError as exc:
                raise Problem(409, "Conflict", f"A {rate['currency']} rate from {rate['valid_from'].isoformat()} exists.",
                              kind="duplicate-rate") from exc
            return {**rate, "id": new_id}

    return blp
