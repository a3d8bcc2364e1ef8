"""The console's pages over the real services: what each person sees is what the APIs give them."""
from __future__ import annotations

import json
import re

from console_client import R1, R2

CHART = re.compile(r'data-chart="([^"]+)"')


def charts(page: str) -> list[dict]:
    import html

    return [json.loads(html.unescape(spec)) for spec in CHART.findall(page)]


def test_a_manager_sees_the_region_pipeline_with_the_weighted_forecast(company, signed_in):
    client = signed_in("manager", "m-east", region="east")
    page = client.get("/pipeline").get_data(as_text=True)
    assert "云帆科技" in page and "西部能源" not in page
    forecast = company["deals"].get("/forecast", role="manager", user="m-east", team=None, region="east").json
    assert f"weighted forecast {forecast['weighted_total']} CNY" in page
    [stages, reps] = charts(page)
    assert stages["labels"][0] == "qualification" and stages["series"][0]["values"][0] == 100000.0
    assert reps["labels"] == ["r-1"]


def test_a_rep_sees_only_their_own_deals(company, signed_in):
    page = signed_in("rep", R1["user"], R1["team"], R1["region"]).get("/pipeline").get_data(as_text=True)
    assert "云帆科技" in page and "西部能源" not in page


def test_every_call_carries_the_signed_in_persons_own_token(company, network, signed_in):
    signed_in("rep", R2["user"], R2["team"], R2["region"]).get("/pipeline")
    tokens = {auth for _method, _url, auth in network.calls}
    [token] = tokens
    from salesloop.config import load_settings
    from salesloop.web.auth import TokenVerifier

    principal = TokenVerifier(load_settings("deals")).verify(token.removeprefix("Bearer "))
    assert (principal.user, principal.roles) == ("r-2", frozenset({"rep"}))


def test_the_dashboard_shows_this_months_kpis_from_the_kpi_api(company, signed_in):
    client = signed_in("director", "d-1")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'data-metric="revenue".*?2000\.00', page, re.S), "the KPI API's revenue, as it answers"
    [trend] = charts(page)
    assert trend["type"] == "line" and len(trend["labels"]) == 12 and 2000.0 in trend["series"][0]["values"]


def test_a_reps_dashboard_is_their_own_figures(company, signed_in):
    page = signed_in("rep", R2["user"], R2["team"], R2["region"]).get("/").get_data(as_text=True)
    assert re.search(r'data-metric="revenue".*?800\.00', page, re.S) and "2000.00" not in page


def test_trends_break_a_metric_down_by_rep_in_a_chart(company, signed_in):
    page = signed_in("director", "d-1").get("/trends?by=rep&metric=revenue").get_data(as_text=True)
    [spec] = charts(page)
    assert dict(zip(spec["labels"], spec["series"][0]["values"], strict=True)) == {"r-1": 1200.0, "r-2": 800.0}


def test_a_bad_period_is_a_clear_page_without_a_traceback(company, signed_in):
    response = signed_in("director", "d-1").get("/?period=2026-13")
    assert response.status_code == 400 and "YYYY-MM" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_reps_scorecard_missing_is_said_in_words(company, signed_in):
    response = signed_in("rep", "r-1", "team-1", "east").get("/reps/r-1/2026-11")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "no scorecard for rep r-1" in page
    assert "no commission plan pays r-1" in page


def test_another_reps_month_shows_only_what_the_kpi_service_answers_the_rep(company, signed_in):
    kpi = company["kpi"]
    answer = kpi.get("/commissions/r-2/2026-11", role="rep", user="r-1", team="team-1", region="east")
    page = signed_in("rep", "r-1", "team-1", "east").get("/reps/r-2/2026-11").get_data(as_text=True)
    assert answer.status_code in (403, 404) and answer.json["detail"] in page
    assert "Traceback" not in page


def test_customers_by_abc_class_and_open_complaints_render(company, signed_in):
    client = signed_in("director", "d-1")
    assert client.get("/customers").status_code == 200
    page = client.get("/complaints").get_data(as_text=True)
    assert "No open complaints" in page
