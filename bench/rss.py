"""Resident memory of each API worker after 10,000 requests, for the five services
under gunicorn (2 workers) on PostgreSQL, against the bare Flask + SQLAlchemy insert
app (bench/baseline_app.py) after the same number of requests, in the same run.

Each service gets the same bounded load: its busiest write and its main list in turn
(leads: POST and GET /leads; deals: POST and GET /deals; orders: a phone order and
GET /orders; service desk: POST and GET /tickets; KPI, which writes only from events:
GET /kpis and GET /facts). The figure is the largest worker RSS of any service; every
worker's figure is printed. Lower is better (the goal is at most 100 MB).
"""
from __future__ import annotations

import os

from common import report
from http_load import (CLIENTS, WORKERS, bearer, load, load_average, migrated, rss_mb, served_with_workers)

REQUESTS = int(os.environ.get("BENCH_RSS_REQUESTS", 10_000))


def _alternate(write, read):
    """Even requests write, odd ones read (``write``/``read``: (client, i) -> (method, path, body))."""
    return lambda c, i: write(c, i) if i % 2 == 0 else read(c, i)


def _leads(base: str) -> tuple[dict, object]:
    import leads_capture

    headers = bearer("leads", "bench-admin", ["admin"], team="team-1", region="east")
    leads_capture._create_reps(base, headers)
    return headers, _alternate(lambda c, i: ("POST", "/leads", leads_capture.lead_body(c, i)),
                               lambda c, i: ("GET", "/leads?page_size=20", None))


def _deals(base: str):
    import deals_sign

    rep = deals_sign.REP
    headers = bearer("deals", rep["user"], rep["roles"], team=rep["team"], region=rep["region"])
    body = {"customer_id": "cust-1", "customer_name": "云帆科技", "amount": "100000.00", "currency": "CNY",
            "expected_close_date": "2030-01-31"}
    return headers, _alternate(lambda c, i: ("POST", "/deals", body),
                               lambda c, i: ("GET", "/deals?page_size=20", None))


def _orders(base: str):
    import orders_transition

    rep = orders_transition.REP
    headers = bearer("orders", rep["user"], rep["roles"], team=rep["team"], region=rep["region"])
    return headers, _alternate(lambda c, i: ("POST", "/orders", orders_transition.phone_order()),
                               lambda c, i: ("GET", "/orders?page_size=20", None))


def _desk(base: str):
    import desk_ticket

    agent = desk_ticket.AGENT
    headers = bearer("service-desk", agent["user"], agent["roles"], team=agent["team"], region=agent["region"])
    return headers, _alternate(lambda c, i: ("POST", "/tickets", desk_ticket.complaint(c, i)),
                               lambda c, i: ("GET", "/tickets?page_size=20", None))


def _kpi(base: str):
    headers = bearer("kpi", "dir-1", ["director"])
    return headers, _alternate(lambda c, i: ("GET", "/kpis?period=2026-11", None),
                               lambda c, i: ("GET", "/facts?page_size=20", None))


SERVICES = {"leads": ("leads.app:create_app()", _leads), "deals": ("deals.app:create_app()", _deals),
            "orders": ("orders.app:create_app()", _orders),
            "service-desk": ("service_desk.app:create_app()", _desk), "kpi": ("kpi.app:create_app()", _kpi)}


def _measure(app: str, env: dict, prepare, requests: int) -> dict:
    with served_with_workers(app, env, WORKERS) as (base, workers):
        headers, step = prepare(base)
        started = {pid: rss_mb(pid) for pid in workers()}
        figures = load(base, step, headers, clients=CLIENTS, seconds=3600, max_requests=requests)
        after = {pid: rss_mb(pid) for pid in workers()}
    return {"rss_mb": max(after.values()), "rss_at_start_mb": max(started.values()),
            "workers_mb": [round(v, 1) for v in after.values()], "requests": figures["requests"],
            "failures": figures["failures"], "per_second": figures["per_second"],
            **({"first_failure": figures["first_failure"]} if "first_failure" in figures else {})}


def run(quick: bool = False) -> dict:
    requests = 1_500 if quick else REQUESTS
    per_service = {}
    for name, (app, prepare) in SERVICES.items():
        with migrated(name, f"bench_rss_{name.replace('-', '_')}") as env:
            per_service[name] = _measure(app, env, prepare, requests)
    from http_load import database

    with database("bench_base") as url:
        def bare(base: str):
            return {}, lambda c, i: ("POST", "/leads", {"company": f"Bench Co {c}-{i}", "needs": "quote"})

        base_figures = _measure("bench.baseline_app:create_app()", {"DATABASE_URL": url}, bare, requests)
    worst = max(per_service, key=lambda name: per_service[name]["rss_mb"])
    candidate = {"rss_mb": per_service[worst]["rss_mb"], "largest": worst, "requests_each": requests,
                 **{f"{name}_rss_mb": round(f["rss_mb"], 1) for name, f in per_service.items()},
                 **{f"{name}_start_mb": round(f["rss_at_start_mb"], 1) for name, f in per_service.items()},
                 "failures": sum(f["failures"] for f in per_service.values()), "load_average": load_average()}
    for name, f in per_service.items():
        if "first_failure" in f:
            candidate[f"{name}_first_failure"] = f["first_failure"]
    base_figures["load_average"] = load_average()
    return report("rss", f"largest RSS of an API worker after {requests:,} requests, across leads, deals, orders, "
                  f"service desk and KPI under gunicorn ({WORKERS} workers) on PostgreSQL, against the bare "
                  "Flask + SQLAlchemy insert app after the same requests", candidate, base_figures, "rss_mb", "MiB",
                  higher_is_better=False)


if __name__ == "__main__":
    run()
