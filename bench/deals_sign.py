"""The Deals service's busiest writes under gunicorn on PostgreSQL — a stage change
(`POST /deals/{id}/stage`) and a contract signature (`POST /deals/{id}/contract/sign`)
— against the bare Flask + SQLAlchemy insert (bench/baseline_app.py) in the same run.

Each stage change loads the deal, checks the caller may see it, applies the move,
reads the dated exchange rate, records the history and publishes
deals.deal.stage_changed; each signature also wins the deal and publishes
deals.contract.signed, deals.deal.stage_changed and deals.deal.won. The deals (at
qualification) and the approved contracts are prepared beforehand with the service's
own commands; every request of the measured runs is a fresh move or a first signature.

The candidate figure is both endpoints together (their requests over their time, the
stage changes measured first, then the signatures); each one's figures are printed too.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from http_load import (CLIENTS, against_baseline, bearer, load, migrated, post_each,
                       runtime, seconds_for, serve)

REP = {"user": "rep-1", "roles": ["rep"], "team": "team-1", "region": "east"}
MANAGER = {"user": "mgr-1", "roles": ["manager"], "team": "team-9", "region": "east"}
MOVES = ("needs_analysis", "proposal", "negotiation")  # three forward moves per deal
ITEMS = [{"product_code": "ERP-LIC", "description": "licence", "quantity": "3", "unit_price": "19.99",
          "discount_pct": "15", "tax_rate_pct": "13", "unit_cost": "8.50"},
         {"product_code": "CONSULT", "description": "days", "quantity": "2.5", "unit_price": "100.00",
          "tax_rate_pct": "6"}]


def _principal(who: dict):
    from salesloop.web.auth import Principal

    return Principal(who["user"], frozenset(who["roles"]), who["team"], who["region"])


def prepare(env: dict, deals: int, signable_deals: int) -> tuple[list[str], list[str]]:
    """``deals`` open deals at qualification and ``signable_deals`` deals with an approved
    contract, made by the service's commands (one transaction per deal)."""
    from deals import schemas as s
    from deals.commands import contracts, proposals
    from deals.commands import deals as opening
    from deals.bootstrap import spec
    from deals.config import load_config

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    rep, manager = _principal(REP), _principal(MANAGER)
    deal_in = s.DealIn().load({"customer_id": "cust-1", "customer_name": "云帆科技", "amount": "100000.00",
                               "currency": "CNY",
                               "expected_close_date": (today + timedelta(days=60)).isoformat()})
    proposal_in = s.ProposalIn().load({"valid_until": (today + timedelta(days=30)).isoformat(), "items": ITEMS})
    contract_in = s.ContractIn().load({"delivery_terms": "DAP Hangzhou", "payment_terms": "30% advance",
                                       "delivery_date": (today + timedelta(days=45)).isoformat(),
                                       "delivery_address": "杭州市西湖区文三路 90 号"})
    open_ids, signable = [], []
    with runtime(spec(), env) as built:
        config = load_config(built.settings)
        for n in range(deals + signable_deals):
            uow = built.uow()
            try:
                deal = opening.open_deal(uow, config, rep, dict(deal_in))
                if n >= deals:
                    version = proposals.create_proposal(uow, config, rep, deal.id, dict(proposal_in)).version
                    proposals.send_proposal(uow, config, rep, deal.id, version)
                    proposals.accept_proposal(uow, config, rep, deal.id, version)
                    contracts.draft_deal_contract(uow, config, rep, deal.id, dict(contract_in))
                    contracts.submit_contract(uow, config, rep, deal.id)
                    contracts.approve_contract(uow, config, manager, deal.id)
                uow.commit()
                (open_ids if n < deals else signable).append(deal.id)
            finally:
                uow.close()
    return open_ids, signable


def _per_client(ids: list[str], clients: int) -> list[list[str]]:
    return [ids[c::clients] for c in range(clients)]


def run(quick: bool = False) -> dict:
    seconds = seconds_for(quick)
    # Enough prepared records for a fast run; a client with none left stops early.
    stage_deals, contracts = (150, 250) if quick else (400, 700)
    headers = bearer("deals", REP["user"], REP["roles"], team=REP["team"], region=REP["region"])
    with migrated("deals", "bench_deals") as env:
        open_ids, signable = prepare(env, stage_deals + 40, contracts + 40)
        warm_open, open_ids = open_ids[:40], open_ids[40:]
        warm_sign, signable = signable[:40], signable[40:]
        with serve("deals.app:create_app()", env) as base:
            by_client = _per_client(open_ids, CLIENTS)
            warm = _per_client(warm_open, 2)

            def stage_path(pools):
                def path(c: int, i: int) -> str | None:
                    pool = pools[c]
                    return f"/deals/{pool[i // len(MOVES)]}/stage" if i // len(MOVES) < len(pool) else None
                return path

            def stage_body(c: int, i: int) -> dict:
                return {"to_stage": MOVES[i % len(MOVES)]}

            load(base, post_each(stage_path(warm), stage_body), headers, clients=2, seconds=1.0)
            stage = load(base, post_each(stage_path(by_client), stage_body), headers, seconds=seconds)

            signers, warm_signers = _per_client(signable, CLIENTS), _per_client(warm_sign, 2)

            def sign_path(pools):
                return lambda c, i: f"/deals/{pools[c][i]}/contract/sign" if i < len(pools[c]) else None

            sign_body = {"signatory": "王丽", "signatory_title": "采购总监"}
            load(base, post_each(sign_path(warm_signers), lambda c, i: sign_body), headers, clients=2, seconds=1.0)
            sign = load(base, post_each(sign_path(signers), lambda c, i: sign_body), headers, seconds=seconds)
    return against_baseline("deals_sign", "POST /deals/{id}/stage then /contract/sign",
                            {"stage": stage, "sign": sign}, seconds)


if __name__ == "__main__":
    run()
