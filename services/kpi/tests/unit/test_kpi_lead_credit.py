"""A lead's captured/converted figures per rep, team and region go to its latest owner.

L1 is captured on 3 Nov (local) by nobody (source web, product P1), assigned to
r1/t1/east a minute later, converted on 20 Nov. Company-wide, source and product
counts are those of the facts themselves; only rep/team/region follow the owner.
"""
import itertools
from datetime import date
from decimal import Decimal as D

import pytest

from kpi.domain import facts as ft
from kpi.domain import projection as pj
from kpi.domain import rollup as ru
from kpi.domain.rollup import Rollup, RollupKey, credited_to_owners, recompute

CNY = "CNY"
R1 = dict(rep="r1", team="t1", region="east")
R2 = dict(rep="r2", team="t1", region="west")
R3 = dict(rep="r3", team="t2", region="east")


def key(day, metric, dimension="all", value=""):
    return RollupKey(date.fromisoformat(day), metric, dimension, value)


@pytest.fixture
def lead(make_fact):
    return {
        "captured": make_fact(ft.LEAD_CAPTURED, "2026-11-03 10:00", fact_id="cap", lead_id="L1",
                              source="web", products="P1"),
        "assigned": make_fact(ft.LEAD_ASSIGNED, "2026-11-03 10:01", fact_id="as1", lead_id="L1", **R1),
        "converted": make_fact(ft.LEAD_CONVERTED, "2026-11-20 15:00", fact_id="conv", lead_id="L1",
                               source="web", **R1),
    }


def credited_to(rep, team, region, captured=1, converted=1):
    figures = {}
    for day, metric, count in (("2026-11-03", ru.LEADS_CAPTURED, captured),
                               ("2026-11-20", ru.LEADS_CONVERTED, converted)):
        if count:
            for dimension, value in (("all", ""), ("rep", rep), ("team", team), ("region", region),
                                     ("source", "web")):
                figures[key(day, metric, dimension, value)] = D(count)
    figures[key("2026-11-03", ru.LEADS_CAPTURED, "product", "P1")] = D(1)
    return figures


def test_the_capture_is_credited_to_the_assigned_rep(lead, tz):
    assert recompute(lead.values(), tz, CNY) == credited_to("r1", "t1", "east")


@pytest.mark.parametrize("order", list(itertools.permutations(["captured", "assigned", "converted"])))
def test_assignment_before_or_after_the_capture_gives_the_rebuild(lead, tz, order):
    rollup = Rollup(tz, CNY)
    for name in order:
        rollup.apply(lead[name])
    assert rollup.totals() == recompute(lead.values(), tz, CNY) == credited_to("r1", "t1", "east")


def test_a_late_assignment_moves_the_capture_from_nobody_to_the_rep(lead, tz):
    rollup = Rollup(tz, CNY)
    rollup.apply(lead["captured"])
    assert key("2026-11-03", ru.LEADS_CAPTURED, "rep", "r1") not in rollup.totals()
    delta = rollup.apply(lead["assigned"])
    # Only the rep, team and region rows move; company, source and product stay.
    assert delta == {key("2026-11-03", ru.LEADS_CAPTURED, "rep", "r1"): D(1),
                     key("2026-11-03", ru.LEADS_CAPTURED, "team", "t1"): D(1),
                     key("2026-11-03", ru.LEADS_CAPTURED, "region", "east"): D(1)}


def test_a_reassignment_moves_the_credit_and_a_stale_one_does_not(lead, make_fact, tz):
    rollup = Rollup(tz, CNY)
    for fact in lead.values():
        rollup.apply(fact)
    to_r2 = make_fact(ft.LEAD_ASSIGNED, "2026-11-05 09:00", fact_id="as2", lead_id="L1", **R2)
    delta = rollup.apply(to_r2)
    assert delta == {
        key("2026-11-03", ru.LEADS_CAPTURED, "rep", "r1"): D(-1), key("2026-11-03", ru.LEADS_CAPTURED, "rep", "r2"): D(1),
        key("2026-11-03", ru.LEADS_CAPTURED, "region", "east"): D(-1),
        key("2026-11-03", ru.LEADS_CAPTURED, "region", "west"): D(1),
        key("2026-11-20", ru.LEADS_CONVERTED, "rep", "r1"): D(-1), key("2026-11-20", ru.LEADS_CONVERTED, "rep", "r2"): D(1),
        key("2026-11-20", ru.LEADS_CONVERTED, "region", "east"): D(-1),
        key("2026-11-20", ru.LEADS_CONVERTED, "region", "west"): D(1),
    }  # team t1 → t1: no change
    # An older assignment arriving late (1 Nov, to r3) is not the latest: nothing moves.
    stale = make_fact(ft.LEAD_ASSIGNED, "2026-11-01 09:00", fact_id="as0", lead_id="L1", **R3)
    assert rollup.apply(stale) == {}
    everything = [*lead.values(), to_r2, stale]
    assert rollup.totals() == recompute(everything, tz, CNY) == credited_to("r2", "t1", "west")
    assert ru.rebuild(reversed(everything), tz, CNY).totals() == rollup.totals()


def test_the_persistence_deltas_add_up_to_the_rebuild(lead, make_fact, tz):
    to_r2 = make_fact(ft.LEAD_ASSIGNED, "2026-11-05 09:00", fact_id="as2", lead_id="L1", **R2)
    arrivals = [lead["converted"], to_r2, lead["captured"], lead["assigned"]]
    stored, before = {}, []
    for fact in arrivals:
        stored = pj.merge([stored, pj.lead_delta(before, fact, tz)])
        before.append(fact)
    assert stored == pj.recompute_all(arrivals, tz, CNY) == credited_to("r2", "t1", "west")


def test_without_an_assignment_the_facts_keep_their_own_rep(make_fact, tz):
    captured = make_fact(ft.LEAD_CAPTURED, "2026-11-03 10:00", lead_id="L2", source="web", **R3)
    totals = recompute([captured], tz, CNY)
    assert totals[key("2026-11-03", ru.LEADS_CAPTURED, "rep", "r3")] == D(1)
    assert totals[key("2026-11-03", ru.LEADS_CAPTURED, "all")] == D(1)


def test_assignments_of_other_leads_do_not_count_and_company_figures_do_not_move(lead, make_fact, tz):
    other = make_fact(ft.LEAD_ASSIGNED, "2026-11-04 09:00", lead_id="L9", **R2)
    totals = recompute([*lead.values(), other], tz, CNY)
    assert totals == credited_to("r1", "t1", "east")
    unassigned = recompute([lead["captured"], lead["converted"]], tz, CNY)
    assert {k: v for k, v in totals.items() if k.dimension in ("all", "source", "product")} == {
        k: v for k, v in unassigned.items() if k.dimension in ("all", "source", "product")}


def test_credited_to_owners_rewrites_only_rep_team_and_region(lead):
    captured, converted = credited_to_owners(lead.values())
    assert (captured.fact_id, captured.rep, captured.team, captured.region, captured.source) == (
        "cap", "r1", "t1", "east", "web")
    assert converted.fact_id == "conv"
