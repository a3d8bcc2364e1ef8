"""CSAT, NPS, complaints and compliance on the conftest data set.

November surveys: (CSAT, NPS) r1 (5, 10) (4, 8); r2 (2, 3) (5, 9) (3, 7).
Complaints: T1 opened 2 Nov, answered in SLA, resolved 4 Nov (a1)
            T2 opened 10 Nov, first-response breach, answered 11 Nov, resolved 1 Dec (a2)
            T4 opened 28 Oct, answered late 1 Nov, resolved 3 Nov (a1)
            T5 opened 29 Nov, no answer yet (a2)
            T3 is an inquiry, not a complaint.
Violations: a1 twice, a2 once.
"""

from decimal import Decimal as D

from kpi.domain import facts as ft
from kpi.domain.facts import Scope
from kpi.domain.metric_value import NO_DATA
from kpi.domain.metrics import (
    complaint_resolution_rate,
    complaint_response_timeliness,
    complaints_opened,
    compliance_violations,
    csat_average,
    nps,
    violations_per_agent,
)
from kpi.domain.periods import parse_period


def test_csat_average(dataset, november):
    value = csat_average(dataset, november)
    assert value.value == D("3.80")  # 19 / 5
    assert (value.numerator, value.denominator) == (D(19), D(5))
    assert csat_average(dataset, november, Scope(rep="r1")).value == D("4.50")


def test_nps_is_promoters_minus_detractors(dataset, november):
    value = nps(dataset, november)
    assert value.value == D("20.00")  # (2 promoters − 1 detractor) / 5
    assert value.unit == "points"
    assert value.extra == {"promoters": 2, "passives": 2, "detractors": 1}
    assert nps(dataset, november, Scope(rep="r2")).value == D("0.00")


def test_nps_can_be_negative(make_fact, tz):
    facts = [make_fact(ft.SURVEY_ANSWERED, "2026-11-02 10:00", nps=score)
             for score in (0, 6, 7, 10)]
    assert nps(facts, parse_period("2026-11", tz)).value == D("-25.00")


def test_no_survey_is_no_data_not_zero(dataset, tz):
    empty = parse_period("2026-12", tz)
    assert csat_average(dataset, empty).value is None
    assert csat_average(dataset, empty).note == NO_DATA
    assert nps(dataset, empty).value is None


def test_complaint_first_response_timeliness(dataset, november):
    value = complaint_response_timeliness(dataset, november)
    assert value.value == D("33.33")  # T1 of T1, T2, T4
    assert (value.numerator, value.denominator) == (D(1), D(3))
    assert complaint_response_timeliness(dataset, november, Scope(rep="a1")).value == D("50.00")
    assert complaint_response_timeliness(dataset, november, Scope(rep="a2")).value == D("0.00")


def test_complaint_resolution_rate(dataset, november, tz):
    assert complaints_opened(dataset, november).value == D(3)
    assert complaint_resolution_rate(dataset, november).value == D("66.67")  # 2 / 3
    assert complaint_resolution_rate(dataset, parse_period("2026-10", tz)).value == D("0.00")
    december = complaint_resolution_rate(dataset, parse_period("2026-12", tz))
    assert december.value is None and december.numerator == D(1)


def test_timeliness_judged_from_a_breach_whatever_the_arrival_order(make_fact, tz):
    response = make_fact(ft.TICKET_RESPONDED, "2026-11-03 12:00", ticket_id="T")
    breach = make_fact(ft.TICKET_SLA_BREACHED, "2026-11-03 11:00", ticket_id="T")
    opened = make_fact(ft.TICKET_OPENED, "2026-11-03 09:00", ticket_id="T",
                       ticket_kind="complaint")
    nov = parse_period("2026-11", tz)
    assert complaint_response_timeliness([response, breach, opened], nov).value == D("0.00")
    assert complaint_response_timeliness([response, opened], nov).value == D("100.00")
    # A resolution-SLA breach after the response does not make the response late.
    late_resolution = make_fact(ft.TICKET_SLA_BREACHED, "2026-11-05 09:00", ticket_id="T",
                                sla_kind="resolution")
    assert complaint_response_timeliness([opened, response, late_resolution],
                                         nov).value == D("100.00")


def test_only_the_first_response_and_first_resolution_count(make_fact, tz):
    facts = [
        make_fact(ft.TICKET_OPENED, "2026-11-03 09:00", ticket_id="T", ticket_kind="complaint"),
        make_fact(ft.TICKET_RESPONDED, "2026-11-03 10:00", ticket_id="T", within_sla=True),
        make_fact(ft.TICKET_RESPONDED, "2026-11-04 10:00", ticket_id="T", within_sla=False),
        make_fact(ft.TICKET_RESOLVED, "2026-11-05 10:00", ticket_id="T"),
        make_fact(ft.TICKET_RESOLVED, "2026-11-06 10:00", ticket_id="T"),
    ]
    nov = parse_period("2026-11", tz)
    assert complaint_response_timeliness(facts, nov).value == D("100.00")
    assert complaint_resolution_rate(facts, nov).value == D("100.00")


def test_compliance_violations(dataset, november):
    assert compliance_violations(dataset, november).value == D(3)
    per_agent = violations_per_agent(dataset, november)
    assert {agent: value.value for agent, value in per_agent.items()} == {"a1": D(2), "a2": D(1)}
    assert compliance_violations(dataset, november, Scope(rep="a2")).value == D(1)
