"""The people a test acts as: one table for every service, so a scope test in
deals means the same people as one in orders.

Each identity is the keyword set ``ServiceHarness.request`` takes (role, user,
team, region). Team 1 and team 2 are both in the east region; the west manager
is in another region altogether.
"""
from __future__ import annotations

REP = {"role": "rep", "user": "rep-1", "team": "team-1", "region": "east"}
OTHER_REP = {"role": "rep", "user": "rep-2", "team": "team-2", "region": "east"}
SUPERVISOR = {"role": "supervisor", "user": "sup-1", "team": "team-1", "region": "east"}
MANAGER = {"role": "manager", "user": "mgr-1", "team": "team-9", "region": "east"}
WEST_MANAGER = {"role": "manager", "user": "mgr-west", "team": "team-w", "region": "west"}
DIRECTOR = {"role": "director", "user": "dir-1", "team": None, "region": None}
CS_AGENT = {"role": "cs_agent", "user": "agent-1", "team": "team-1", "region": "east"}
OPS = {"role": "ops", "user": "ops-1", "team": None, "region": None}
ADMIN = {"role": "admin", "user": "admin-1", "team": None, "region": None}
STOREFRONT = {"role": "storefront", "user": "storefront", "team": None, "region": None}
ANONYMOUS = {"role": None}

EVERYONE = {"rep": REP, "other_rep": OTHER_REP, "supervisor": SUPERVISOR, "manager": MANAGER,
            "west_manager": WEST_MANAGER, "director": DIRECTOR, "cs_agent": CS_AGENT, "ops": OPS,
            "admin": ADMIN, "storefront": STOREFRONT}
