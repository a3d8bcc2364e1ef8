"""/kpis beside Prometheus /metrics, and leads credited to the rep they were assigned to.

L1 captured on 3 Nov 2026 10:00 Shanghai with no rep (as the leads service
publishes it), assigned to r1 (t1, east) a minute later — delivered after or
before the capture — converted on 20 Nov by r1, then reassigned to r2 (t1, west)
on 21 Nov. L2 captured by nobody and never assigned.
"""
from datetime import date
from decimal import Decimal as D

import pytest

from salesloop.testing.identities import ANONYMOUS, DIRECTOR, OPS
from kpi.repository import stored_totals
from kpi.domain.rollup import LEADS_CAPTURED, RollupKey
from kpi_client import R1, R2, lead, utc


def assigned(when, lead_id, who):
    return "leads.lead.assigned", {"lead_id": lead_id, "assigned_at": utc(when), **who, "manual": False,
                                   "previous_rep_id": None}


NOBODY = {"rep_id": None, "team": None, "region": None}
CAPTURED = lead("captured", "2026-11-03 10:00", "L1", NOBODY, "web")
TO_R1 = assigned("2026-11-03 10:01", "L1", R1)
CONVERTED = lead("converted", "2026-11-20 15:00", "L1", R1, "web")
TO_R2 = assigned("2026-11-21 09:00", "L1", R2)
OTHER = lead("captured", "2026-11-04 10:00", "L2", NOBODY, "referral")


def deliver(harness, *events):
    for n, (event_type, data) in enumerate(events):
        assert harness.deliver(event_type, data, event_id=f"{data['lead_id']}-{event_type}-{n}").value == "handled"


def figures(harness, query):
    response = harness.get(f"/kpis?{query}", who=DIRECTOR)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return {name: body["metrics"][name]["value"]
            for name in ("leads_captured", "leads_converted", "lead_conversion_rate")}, body


def test_prometheus_metrics_and_kpis_live_side_by_side(kpi):
    scrape = kpi.get("/metrics", who=ANONYMOUS)
    assert scrape.status_code == 200
    assert scrape.mimetype == "text/plain"
    assert "# HELP" in scrape.get_data(as_text=True)
    deliver(kpi, CAPTURED)
    values, body = figures(kpi, "period=2026-11-03")
    assert (body["period"], values["leads_captured"]) == ("2026-11-03", "1")
    assert kpi.get("/kpis/catalog", who=DIRECTOR).status_code == 200


@pytest.mark.parametrize("order", [(CAPTURED, TO_R1, CONVERTED, OTHER), (TO_R1, CONVERTED, OTHER, CAPTURED)])
def test_a_lead_counts_for_the_rep_it_was_assigned_to(kpi, order):
    deliver(kpi, *order)
    r1, body = figures(kpi, "period=2026-11&rep=r1")
    assert r1 == {"leads_captured": "1", "leads_converted": "1", "lead_conversion_rate": "100.00"}
    assert {k: v["value"] for k, v in body["leads_by_source"].items()} == {"web": "1"}
    assert figures(kpi, "period=2026-11-03&region=east")[0]["leads_captured"] == "1"
    everyone, _ = figures(kpi, "period=2026-11")
    assert everyone == {"leads_captured": "2", "leads_converted": "1", "lead_conversion_rate": "50.00"}


def test_a_reassignment_moves_the_lead_and_a_rebuild_agrees(kpi):
    deliver(kpi, CAPTURED, TO_R1, CONVERTED, OTHER, TO_R2)
    assert figures(kpi, "period=2026-11&rep=r1")[0] == {
        "leads_captured": "0", "leads_converted": "0", "lead_conversion_rate": None}
    assert figures(kpi, "period=2026-11&rep=r2")[0] == {
        "leads_captured": "1", "leads_converted": "1", "lead_conversion_rate": "100.00"}
    assert figures(kpi, "period=2026-11&team=t1")[0]["leads_captured"] == "1"
    with kpi.runtime.database.session() as session:
        live = stored_totals(session)
    assert live[RollupKey(date(2026, 11, 3), LEADS_CAPTURED, "region", "west")] == D(1)
    assert RollupKey(date(2026, 11, 3), LEADS_CAPTURED, "region", "east") not in live
    assert kpi.post("/admin/rebuild", json={}, who=OPS).status_code == 200
    with kpi.runtime.database.session() as session:
        assert stored_totals(session) == live
    assert figures(kpi, "period=2026-11")[0] == {
        "leads_captured": "2", "leads_converted": "1", "lead_conversion_rate": "50.00"}
