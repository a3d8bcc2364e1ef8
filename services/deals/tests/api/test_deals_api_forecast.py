"""/forecast: the weighted pipeline on a known data set, hand-computed."""
from decimal import Decimal

import pytest


@pytest.fixture
def pipeline(api):
    """Seven deals; USD at 7.0 until 2025, 7.2 since. Company currency CNY."""
    api.add_rate("USD", "7.0", "2000-01-01T00:00:00+00:00")
    api.add_rate("USD", "7.2", "2025-01-01T00:00:00+00:00")

    def deal(owner, team, region, amount, currency, stage, close):
        return api.open_deal(api.ADMIN, owner_rep_id=owner, team=team, region=region, amount=amount,
                             currency=currency, stage=stage, expected_close_date=close)["id"]

    ids = {
        "d1": deal("rep-1", "team-1", "east", "100000", "CNY", "qualification", "2031-01-15"),
        "d2": deal("rep-1", "team-1", "east", "10000", "USD", "negotiation", "2031-01-20"),
        "d3": deal("rep-2", "team-2", "east", "50000", "CNY", "proposal", "2031-02-10"),
        "d4": deal("rep-3", "team-w", "west", "80000.50", "CNY", "contract_review", "2031-02-28"),
        "d5": deal("rep-2", "team-2", "east", "30000", "CNY", "needs_analysis", "2031-03-05"),
        "d6": deal("rep-1", "team-1", "east", "20000", "CNY", "qualification", "2031-03-10"),
        "d7": deal("rep-3", "team-w", "west", "333.33", "USD", "proposal", "2031-03-20"),
    }
    api.ok(api.harness.put(f"/deals/{ids['d5']}/probability", json={"probability": "33.33"}, **api.OTHER_REP))
    api.step(f"/deals/{ids['d6']}/stage", api.ADMIN, json={"to_stage": "lost", "reason": "no budget"})
    return ids


def figures(rows):
    return {row["key"]: (row["count"], row["amount"], row["weighted"]) for row in rows}


def test_the_weighted_pipeline_by_month_rep_team_and_region(api, pipeline):
    result = api.ok(api.harness.get("/forecast", **api.ADMIN))
    # Open: d1 100000.00@10, d2 72000.00@60, d3 50000.00@40, d4 80000.50@80, d5 30000.00@33.33,
    # d7 333.33 USD x 7.2 = 2399.976 -> 2399.98 @40 -> 959.992 -> 959.99.
    assert result["currency"] == "CNY" and result["open_count"] == 6
    assert result["unweighted_total"] == "334400.48"
    assert result["weighted_total"] == "148159.39"  # 10000 + 43200 + 20000 + 64000.40 + 9999.00 + 959.99
    assert figures(result["by_month"]) == {
        "2031-01": (2, "172000.00", "53200.00"),
        "2031-02": (2, "130000.50", "84000.40"),
        "2031-03": (2, "32399.98", "10958.99"),
    }
    assert figures(result["by_rep"]) == {
        "rep-1": (2, "172000.00", "53200.00"),
        "rep-2": (2, "80000.00", "29999.00"),
        "rep-3": (2, "82400.48", "64960.39"),
    }
    assert figures(result["by_team"]) == {
        "team-1": (2, "172000.00", "53200.00"),
        "team-2": (2, "80000.00", "29999.00"),
        "team-w": (2, "82400.48", "64960.39"),
    }
    assert figures(result["by_region"]) == {"east": (4, "252000.00", "83199.00"), "west": (2, "82400.48", "64960.39")}
    assert {row["stage"]: (row["count"], row["amount"]) for row in result["by_stage"]} == {
        "qualification": (1, "100000.00"), "needs_analysis": (1, "30000.00"), "proposal": (2, "52399.98"),
        "negotiation": (1, "72000.00"), "contract_review": (1, "80000.50"), "won": (0, "0.00"),
        "lost": (1, "20000.00"),
    }
    assert result["rates"] == [{"currency": "CNY", "fx_rate": "1", "source": "rate table"},
                               {"currency": "USD", "fx_rate": "7.2", "source": "rate table"}]
    # Every group adds up to the total: amounts were converted and rounded before being summed.
    assert sum(Decimal(row["weighted"]) for row in result["by_rep"]) == Decimal(result["weighted_total"])


def test_each_person_forecasts_what_they_see(api, pipeline):
    mine = api.ok(api.harness.get("/forecast", **api.REP))
    assert (mine["open_count"], mine["unweighted_total"], mine["weighted_total"]) == (2, "172000.00", "53200.00")
    assert list(figures(mine["by_rep"])) == ["rep-1"]
    west = api.ok(api.harness.get("/forecast", **api.WEST_MANAGER))
    assert (west["open_count"], west["unweighted_total"], west["weighted_total"]) == (2, "82400.48", "64960.39")


def test_filters_overdue_deals_and_the_rate_of_the_as_of_date(api, pipeline):
    february = api.ok(api.harness.get("/forecast?close_from=2031-02-01&close_to=2031-02-28&group_by=month",
                                      **api.ADMIN))
    assert (february["open_count"], february["weighted_total"]) == (2, "84000.40")
    assert february["by_rep"] == [] and list(figures(february["by_month"])) == ["2031-02"]
    east = api.ok(api.harness.get("/forecast?region=east&team=team-2", **api.ADMIN))
    assert (east["open_count"], east["weighted_total"]) == (2, "29999.00")
    mid_feb = api.ok(api.harness.get("/forecast?as_of=2031-02-15", **api.ADMIN))
    assert mid_feb["overdue"] == {"key": "overdue", "count": 3, "amount": "222000.00", "weighted": "73200.00",
                                  "currency": "CNY"}
    in_2024 = api.ok(api.harness.get("/forecast?as_of=2024-06-30&rep_id=rep-1", **api.ADMIN))
    # USD was 7.0 then: d2 is 70000.00, weighted 42000.00.
    assert (in_2024["unweighted_total"], in_2024["weighted_total"]) == ("170000.00", "52000.00")
    week = api.harness.get("/forecast?group_by=week", **api.ADMIN)
    assert week.status_code == 422 and set(week.json["errors"]) == {"group_by"}
    backwards = api.harness.get("/forecast?close_from=2031-03-01&close_to=2031-02-01", **api.ADMIN)
    assert backwards.status_code == 422
    assert backwards.json["errors"] == {"close_to": ["close_to cannot be before close_from."]}


def test_the_companys_stage_table_drives_the_forecast(make_api):
    api = make_api(extra={"stage_probabilities": "qualification=25,needs_analysis=30,proposal=50,negotiation=70,contract_review=90"})
    api.open_deal(amount="1000")
    assert api.ok(api.harness.get("/forecast", **api.REP))["weighted_total"] == "250.00"
