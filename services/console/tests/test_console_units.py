"""Small rules of the console, without any service: SLA grouping, chart specs, error pages."""
from __future__ import annotations

import pytest

from console.views.charts import chart, number
from console.views.complaints import sla_state


def target(**fields):
    return {"allowed_minutes": 100, "remaining_minutes": 50, "breached": False, "paused": False, "met_at": None,
            **fields}


@pytest.mark.parametrize(("first", "resolution", "state"), [
    (target(), target(), "on_track"),
    (target(met_at="2026-12-01T00:00:00Z"), target(remaining_minutes=10), "at_risk"),
    (target(breached=True), target(), "breached"),
    (target(met_at="2026-12-01T00:00:00Z"), target(paused=True), "paused"),
    (target(met_at="x"), target(met_at="y"), "met"),
])
def test_a_complaint_is_grouped_by_the_worse_of_its_two_clocks(first, resolution, state):
    assert sla_state({"sla": {"first_response": first, "resolution": resolution}}) == state


def test_a_complaint_without_clocks_is_unknown():
    assert sla_state({"sla": None}) == "unknown"


def test_chart_specs_carry_numbers_from_the_apis_decimal_strings():
    spec = chart("bar", ["a", "b"], {"revenue": ["1200.50", None]}, unit="CNY")
    assert spec == {"type": "bar", "unit": "CNY", "labels": ["a", "b"],
                    "series": [{"name": "revenue", "values": [1200.5, None]}]}
    assert number("n/a") is None


def test_a_crash_is_a_page_in_words_without_a_traceback(make_console, monkeypatch, signed_in):
    from console.views import pipeline

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(pipeline, "upstream", broken)
    client = signed_in("manager", "m-east", region="east")
    client.application.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    response = client.get("/pipeline")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_an_unknown_page_is_a_clear_404(browser_client):
    response = browser_client.get("/nowhere")
    assert response.status_code == 404 and "Not Found" in response.get_data(as_text=True)
