"""Object-level rules every service shares: what a caller sees, serves, may name in
a body and may file a new record under."""
import pytest

from salesloop.web.auth import Principal, can_refer, can_see, can_serve, within_scope


def who(role: str, user: str = "u-1", team: str | None = "team-1", region: str | None = "east") -> Principal:
    return Principal(user=user, roles=frozenset({role}), team=team, region=region)


MINE = ("u-1", "team-1", "east")
TEAMMATES = ("u-2", "team-1", "east")
OTHER_TEAM = ("u-3", "team-2", "east")
OTHER_REGION = ("u-4", "team-9", "west")
POOL = (None, None, None)


@pytest.mark.parametrize("role, seen", [
    ("rep", {MINE}),
    ("cs_agent", {MINE}),
    ("supervisor", {MINE, TEAMMATES}),
    ("manager", {MINE, TEAMMATES, OTHER_TEAM}),
    ("director", {MINE, TEAMMATES, OTHER_TEAM, OTHER_REGION, POOL}),
])
def test_each_role_sees_its_scope(role, seen):
    records = {MINE, TEAMMATES, OTHER_TEAM, OTHER_REGION, POOL}
    assert {record for record in records if can_see(who(role), *record)} == seen


def test_customer_care_serves_its_region_but_sees_only_its_own_people_records():
    agent = who("cs_agent")
    assert can_serve(agent, *OTHER_TEAM) and not can_serve(agent, *OTHER_REGION)
    assert not can_see(agent, *OTHER_TEAM)


def test_a_care_agent_whose_token_names_no_region_works_at_the_central_desk():
    central = who("cs_agent", team="desk-1", region=None)
    assert can_serve(central, *OTHER_REGION) and within_scope(central, "u-1", "desk-1", "west")
    assert not can_see(central, *OTHER_REGION)


def test_a_body_may_name_the_company_pool_and_the_teams_unowned_records_but_not_another_teams():
    rep = who("rep")
    assert can_refer(rep, *POOL) and can_refer(rep, None, "team-1", "east")
    assert not can_refer(rep, None, "team-2", "east") and not can_refer(rep, *TEAMMATES)


@pytest.mark.parametrize("role, record, allowed", [
    ("rep", MINE, True),
    ("rep", ("u-1", "team-2", "east"), False),  # owns it, but another team's figures would count it
    ("rep", ("u-1", "team-1", "west"), False),
    ("rep", TEAMMATES, False),
    ("supervisor", TEAMMATES, True),
    ("supervisor", OTHER_TEAM, False),
    ("manager", OTHER_TEAM, True),
    ("manager", OTHER_REGION, False),
    ("cs_agent", ("u-1", "sales-7", "east"), True),
    ("cs_agent", ("u-1", "sales-7", "west"), False),
    ("director", OTHER_REGION, True),
    ("service", OTHER_REGION, True),
])
def test_a_new_record_is_filed_only_within_the_creators_scope(role, record, allowed):
    assert within_scope(who(role), *record) is allowed
