"""The Deals API driven as a client would: DealsClient, with the usual
happy-path steps (open a deal, price a proposal, sign the contract) in one call each."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from salesloop.testing.client import ServiceClient
from salesloop.testing.identities import ADMIN, MANAGER, OPS, OTHER_REP, REP, SUPERVISOR, WEST_MANAGER

ITEMS = [
    # 3 x 19.99 = 59.97, 15 % off -> 50.9745 -> 50.97 net, 13 % tax 6.6261 -> 6.63, gross 57.60
    {"product_code": "ERP-LIC", "description": "licence", "quantity": "3", "unit_price": "19.99",
     "discount_pct": "15", "tax_rate_pct": "13", "unit_cost": "8.50"},
    # 2.5 x 100 = 250.00 net, 6 % tax 15.00, gross 265.00
    {"product_code": "CONSULT", "description": "days", "quantity": "2.5", "unit_price": "100.00",
     "tax_rate_pct": "6"},
]


def today() -> date:
    """Today where the company is (the service's default COMPANY_TIMEZONE): from 16:00 UTC
    Shanghai is already a day ahead, and a validity date of "today" in UTC is past there."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


class DealsClient(ServiceClient):
    """The Deals API driven as a client would, with the usual happy-path steps in one call each."""

    REP, OTHER_REP, SUPERVISOR, MANAGER = REP, OTHER_REP, SUPERVISOR, MANAGER
    WEST_MANAGER, OPS, ADMIN, ITEMS = WEST_MANAGER, OPS, ADMIN, ITEMS

    @staticmethod
    def today() -> date:
        return today()

    def items(self, response) -> list:
        """The items of a list answer (every list is {items, page, page_size, total})."""
        return self.ok(response)["items"]

    def open_deal(self, who=REP, **fields):
        body = {"customer_id": "cust-1", "customer_name": "云帆科技", "amount": "100000.00", "currency": "CNY",
                "expected_close_date": (today() + timedelta(days=60)).isoformat(), **fields}
        return self.ok(self.harness.post("/deals", json=body, **who), 201)

    def add_rate(self, currency, rate, valid_from="2000-01-01T00:00:00+00:00"):
        return self.ok(self.harness.post("/fx-rates", json={"currency": currency, "rate": rate,
                                                             "valid_from": valid_from}, **ADMIN), 201)

    def proposal(self, deal_id, who=REP, **fields):
        body = {"valid_until": (today() + timedelta(days=30)).isoformat(), "items": ITEMS, **fields}
        return self.ok(self.harness.post(f"/deals/{deal_id}/proposals", json=body, **who), 201)

    def step(self, path, who=REP, status=200, **kwargs):
        return self.ok(self.harness.post(path, **who, **kwargs), status)

    def accepted_proposal(self, deal_id, who=REP, **fields):
        version = self.proposal(deal_id, who, **fields)["version"]
        self.step(f"/deals/{deal_id}/proposals/{version}/send", who)
        return self.step(f"/deals/{deal_id}/proposals/{version}/accept", who)

    def contract(self, deal_id, who=REP, **fields):
        body = {"delivery_terms": "DAP Hangzhou", "payment_terms": "30% advance, 70% net 30",
                "delivery_date": (today() + timedelta(days=45)).isoformat(),
                "delivery_address": "杭州市西湖区文三路 90 号", **fields}
        return self.ok(self.harness.post(f"/deals/{deal_id}/contract", json=body, **who), 201)

    def approved_contract(self, deal_id, who=REP, approver=MANAGER, **proposal_fields):
        self.accepted_proposal(deal_id, who, **proposal_fields)
        self.contract(deal_id, who)
        self.step(f"/deals/{deal_id}/contract/submit", who)
        return self.step(f"/deals/{deal_id}/contract/approve", approver)

    def sign(self, deal_id, who=REP, **fields):
        return self.harness.post(f"/deals/{deal_id}/contract/sign", json={"signatory": "王丽", **fields}, **who)

    def events(self, event_type=None):
        return [envelope["data"] for envelope in self.harness.published(event_type)]

    def count(self, table):
        runtime = self.harness.runtime
        with runtime.database.session() as session:
            return session.execute(select(func.count()).select_from(runtime.spec.metadata.tables[table])).scalar()
