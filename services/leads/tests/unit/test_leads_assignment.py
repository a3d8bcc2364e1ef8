from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from leads.domain.assignment import (
    DEFAULT_ASSIGNMENT_RULES,
    AssignmentRules,
    CandidateReport,
    Rep,
    Skills,
    TieBreak,
    assign,
    evaluate_candidates,
)
from leads.domain.errors import InvalidField
from leads.domain.lead import LeadFacts

NOW = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)
HIRED = datetime(2020, 1, 1, tzinfo=UTC)


def lead(lead_id="L1", **overrides) -> LeadFacts:
    values = dict(lead_id=lead_id, source="web_form", captured_at=NOW,
                  product_lines={"crm"}, region="east", industry="retail")
    values.update(overrides)
    return LeadFacts(**values)


def rep(rep_id, load=0, capacity=10, active=True, last=None, hired=HIRED, **skills) -> Rep:
    return Rep(rep_id=rep_id, active=active, capacity=capacity, open_load=load,
               created_at=hired, skills=Skills(**skills), last_assigned_at=last)


def reasons(assignment_or_reports, rep_id):
    reports = getattr(assignment_or_reports, "candidates", assignment_or_reports)
    return next(r.reasons for r in reports if r.rep_id == rep_id)


# --- eligibility ---------------------------------------------------------------

def test_skills_must_cover_region_industry_and_a_product_line():
    reps = [
        rep("west", regions={"west"}),
        rep("factories", industries={"manufacturing"}),
        rep("erp-only", product_lines={"erp"}),
        rep("specialist", load=5, regions={"EAST"}, industries={"retail"}, product_lines={"erp", "crm"}),
    ]
    result = assign(lead(), reps)
    assert result.rep_id == "specialist"
    assert reasons(result, "west") == ("missing skill region:east",)
    assert reasons(result, "factories") == ("missing skill industry:retail",)
    assert reasons(result, "erp-only") == ("missing skill product_line:crm",)
    assert reasons(result, "specialist") == ()


def test_one_product_line_in_common_is_enough():
    result = assign(lead(product_lines={"crm", "hr"}), [rep("hr-rep", product_lines={"hr"})])
    assert result.rep_id == "hr-rep"


def test_empty_skill_set_means_any():
    result = assign(lead(region="north", industry="mining", product_lines={"payroll"}), [rep("generalist")])
    assert result.rep_id == "generalist"


def test_lead_with_unknown_region_goes_only_to_generalists():
    reps = [rep("east", regions={"east"}), rep("anywhere", load=9)]
    result = assign(lead(region=None), reps)
    assert result.rep_id == "anywhere"
    assert reasons(result, "east") == ("missing skill region:unknown",)


def test_lead_without_product_interest_goes_only_to_product_generalists():
    reps = [rep("crm", product_lines={"crm"}), rep("any", load=3)]
    result = assign(lead(product_lines=set()), reps)
    assert result.rep_id == "any"
    assert reasons(result, "crm") == ("missing skill product_line:unknown",)


def test_inactive_rep_is_never_chosen_even_when_idle():
    result = assign(lead(), [rep("away", load=0, active=False), rep("busy", load=9)])
    assert result.rep_id == "busy"
    assert reasons(result, "away") == ("inactive",)


def test_rep_at_capacity_is_never_chosen():
    result = assign(lead(), [rep("full", load=5, capacity=5), rep("over", load=7, capacity=5), rep("ok", load=9)])
    assert result.rep_id == "ok"
    assert reasons(result, "full") == ("at capacity (5/5)",)
    assert reasons(result, "over") == ("at capacity (7/5)",)


def test_all_reasons_are_listed():
    reports = evaluate_candidates(lead(), [rep("x", load=2, capacity=2, active=False, regions={"west"})])
    assert reports[0].reasons == ("inactive", "at capacity (2/2)", "missing skill region:east")
    assert reports[0].eligible is False


def test_no_eligible_rep_gives_none_and_candidates_explain_why():
    reps = [rep("a", active=False), rep("b", capacity=0)]
    assert assign(lead(), reps) is None
    assert evaluate_candidates(lead(), reps) == (
        CandidateReport("a", 0, 10, Decimal("0.0000"), False, ("inactive",), None),
        CandidateReport("b", 0, 0, None, False, ("at capacity (0/0)",), None),
    )


def test_no_reps_at_all():
    assert assign(lead(), []) is None


def test_skill_dimensions_can_be_switched_off():
    rules = AssignmentRules(version="regionless-1", match_regions=False)
    result = assign(lead(), [rep("west", regions={"west"})], rules)
    assert (result.rep_id, result.rules_version) == ("west", "regionless-1")
    assert assign(lead(), [rep("west", regions={"west"})]) is None


# --- choosing -------------------------------------------------------------------

def test_lowest_load_to_capacity_ratio_wins():
    reps = [rep("a", load=3, capacity=10), rep("b", load=1, capacity=5), rep("c", load=5, capacity=10)]
    result = assign(lead(), reps)
    assert result.rep_id == "b"
    assert result.tie_break is TieBreak.LOWEST_RATIO
    assert result.tied_rep_ids == ("b",)
    assert [(c.rep_id, c.open_load, c.capacity, c.ratio, c.eligible) for c in result.candidates] == [
        ("a", 3, 10, Decimal("0.3000"), True),
        ("b", 1, 5, Decimal("0.2000"), True),
        ("c", 5, 10, Decimal("0.5000"), True),
    ]
    assert result.rules_version == DEFAULT_ASSIGNMENT_RULES.version == "assign-1"
    assert result.lead_id == "L1"


def test_ratio_not_raw_load_decides():
    # 4 of 20 is lighter than 2 of 5.
    assert assign(lead(), [rep("small", load=2, capacity=5), rep("big", load=4, capacity=20)]).rep_id == "big"


def test_exactly_equal_ratios_tie_despite_rounding():
    early = NOW - timedelta(days=2)
    reps = [rep("third", load=1, capacity=3, last=NOW), rep("sixth", load=2, capacity=6, last=early)]
    result = assign(lead(), reps)
    assert (result.rep_id, result.tie_break, result.tied_rep_ids) == (
        "sixth", TieBreak.LEAST_RECENTLY_ASSIGNED, ("third", "sixth"),
    )


def test_tie_goes_to_least_recently_assigned():
    reps = [
        rep("recent", load=2, last=NOW - timedelta(minutes=5)),
        rep("long-ago", load=2, last=NOW - timedelta(days=3)),
        rep("yesterday", load=2, last=NOW - timedelta(days=1)),
    ]
    result = assign(lead(), reps)
    assert (result.rep_id, result.tie_break) == ("long-ago", TieBreak.LEAST_RECENTLY_ASSIGNED)


def test_never_assigned_rep_goes_first_in_a_tie():
    reps = [rep("veteran", last=NOW - timedelta(days=300), hired=HIRED), rep("new-hire", hired=NOW)]
    result = assign(lead(), reps)
    assert (result.rep_id, result.tie_break) == ("new-hire", TieBreak.LEAST_RECENTLY_ASSIGNED)


def test_tie_among_never_assigned_reps_uses_rotation_deterministically():
    reps = [rep("a"), rep("b"), rep("c")]
    first = assign(lead("L42"), reps)
    again = assign(lead("L42"), list(reversed(reps)))
    assert first.tie_break is TieBreak.ROTATION
    assert first.tied_rep_ids == ("a", "b", "c")
    assert again.rep_id == first.rep_id


def test_tie_at_the_same_last_assigned_instant_uses_rotation():
    same = NOW - timedelta(hours=1)
    result = assign(lead(), [rep("a", last=same), rep("b", last=same), rep("c", last=NOW)])
    assert result.tie_break is TieBreak.ROTATION
    assert result.rep_id in {"a", "b"}


def test_rotation_does_not_favour_the_oldest_rep():
    # Equal loads, nobody assigned yet, leads assigned without state updates
    # (a bulk import): the hash spreads them evenly, whoever was hired first.
    reps = [
        rep("rep-oldest", hired=datetime(2015, 1, 1, tzinfo=UTC)),
        rep("rep-middle", hired=datetime(2019, 1, 1, tzinfo=UTC)),
        rep("rep-newest", hired=datetime(2024, 1, 1, tzinfo=UTC)),
    ]
    counts = Counter(assign(lead(f"lead-{n}"), reps).rep_id for n in range(3000))
    assert set(counts) == {"rep-oldest", "rep-middle", "rep-newest"}
    assert all(900 <= count <= 1100 for count in counts.values()), counts


def test_round_robin_when_state_is_updated_between_assignments():
    reps = {r.rep_id: r for r in (rep("a", capacity=1000), rep("b", capacity=1000), rep("c", capacity=1000))}
    counts = Counter()
    for n in range(300):
        moment = NOW + timedelta(seconds=n)
        chosen = assign(lead(f"lead-{n}"), reps.values()).rep_id
        counts[chosen] += 1
        picked = reps[chosen]
        reps[chosen] = replace(picked, open_load=picked.open_load + 1, last_assigned_at=moment)
    assert counts == {"a": 100, "b": 100, "c": 100}


def test_duplicate_rep_ids_are_refused():
    with pytest.raises(InvalidField) as caught:
        assign(lead(), [rep("a"), rep("a")])
    assert caught.value.field == "reps"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(capacity=-1), "capacity"),
        (dict(load=-1), "open_load"),
        (dict(capacity=1.5), "capacity"),
        (dict(hired=datetime(2020, 1, 1)), "created_at"),
        (dict(last=datetime(2020, 1, 1)), "last_assigned_at"),
    ],
)
def test_rep_validation(kwargs, field):
    with pytest.raises(InvalidField) as caught:
        rep("x", **kwargs)
    assert caught.value.field == field


def test_rules_from_dict_and_back():
    rules = AssignmentRules.from_dict({"version": "v7", "match_industries": False})
    assert rules == AssignmentRules("v7", match_product_lines=True, match_regions=True, match_industries=False)
    assert AssignmentRules.from_dict(rules.to_dict()) == rules


@pytest.mark.parametrize(
    "config, field",
    [({}, "version"), ({"version": "v", "match_regions": "no"}, "match_regions"), ({"version": "v", "x": 1}, "x")],
)
def test_rules_from_bad_dict(config, field):
    with pytest.raises(InvalidField) as caught:
        AssignmentRules.from_dict(config)
    assert caught.value.field == field
