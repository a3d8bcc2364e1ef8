"""`POST /leads` throughput under gunicorn against PostgreSQL, against a bare
Flask + SQLAlchemy insert endpoint measured in the same run (the baseline).

Each Salesloop capture validates and normalizes the contact, looks for
duplicates three ways, grades the lead, locks the reps to assign it, and writes
the lead, its history and three outbox events in one transaction; the baseline
inserts one JSON row. Both get the same clients, body shape and time budget.
"""
from __future__ import annotations

import os
import sys


from common import database, gunicorn, http_load, report

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
SECONDS = float(os.environ.get("BENCH_SECONDS", 8))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))


def lead_body(client: int, i: int) -> dict:
    n = client * 1_000_000 + i
    return {
        "company": f"Bench Co {n}", "industry": "manufacturing", "region": "east",
        "contact": {"name": "王伟", "phone": f"139{n:08d}", "email": f"b{n}@example.com"},
        "needs": "需要报价 quote 50 seats", "product_lines": ["crm"],
        "budget": {"amount": "200000", "currency": "CNY"}, "source": "referral",
    }


def _token() -> str:
    from salesloop.config import load_settings
    from salesloop.web.auth import issue_token

    return issue_token(load_settings("leads"), "bench-admin", ["admin"], team="team-1", region="east")


def _create_reps(base: str, headers: dict) -> None:
    import requests

    for r in range(5):
        rep = {"id": f"rep-{r}", "name": f"Rep {r}", "team": "team-1", "region": "east", "capacity": 100_000,
               "skills": {"product_lines": ["crm"], "regions": ["east"], "industries": []}}
        response = requests.post(f"{base}/reps", json=rep, headers=headers, timeout=10)
        response.raise_for_status()


def run(quick: bool = False) -> dict:
    seconds = min(SECONDS, 3.0) if quick else SECONDS
    headers = {"Authorization": f"Bearer {_token()}"}
    with database("bench_leads") as leads_url, database("bench_base") as base_url:
        env = {"DATABASE_URL": leads_url, "BUS_URL": "memory://", "OTEL_SDK_DISABLED": "true"}
        import subprocess

        subprocess.run([os.path.join(os.path.dirname(sys.executable), "salesloop-leads"), "migrate"],
                       env={**os.environ, **env}, check=True, capture_output=True)
        with gunicorn("leads.app:create_app()", env, WORKERS) as base:
            _create_reps(base, headers)
            # Warm-up with its own client numbers, so the measured run never repeats a lead.
            http_load(f"{base}/leads", lambda c, i: lead_body(c + 500, i), headers, clients=2, seconds=1.0)
            salesloop = http_load(f"{base}/leads", lead_body, headers, clients=CLIENTS, seconds=seconds)
        with gunicorn("bench.baseline_app:create_app()", {"DATABASE_URL": base_url}, WORKERS) as base:
            http_load(f"{base}/leads", lambda c, i: lead_body(c + 500, i), {}, clients=2, seconds=1.0)
            baseline = http_load(f"{base}/leads", lead_body, {}, clients=CLIENTS, seconds=seconds)
    salesloop["load_average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return report("leads_capture", f"POST /leads under gunicorn ({WORKERS} workers) on PostgreSQL, {CLIENTS} clients, "
                  f"{seconds:.0f} s, against a bare Flask + SQLAlchemy insert", salesloop, baseline, "per_second", "req/s")


if __name__ == "__main__":
    run()
