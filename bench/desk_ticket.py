"""The service desk's busiest writes under gunicorn on PostgreSQL — opening a
complaint ticket (`POST /tickets`) and a customer's survey answer
(`POST /surveys/{token}`, public) — against the bare Flask + SQLAlchemy insert
(bench/baseline_app.py) in the same run.

A ticket is validated, its SLA policy book read, its due times computed on the
business calendar, its complainant's contact stored, and service.ticket.opened
published; an answer finds the survey by its token's hash, answers it with a
conditional update and publishes service.survey.answered. The surveys (one per
delivered order) are issued beforehand with the service's own command, and their
links taken from the events it wrote. The survey link's public rate limit is lifted
for the run (PUBLIC_RATE_LIMIT). The candidate figure is both endpoints together
(their requests over their time); each one's figures are printed too.
"""
from __future__ import annotations

from http_load import (CLIENTS, against_baseline, bearer, load, migrated, post_each,
                       runtime, seconds_for, serve)

AGENT = {"user": "agent-1", "roles": ["cs_agent"], "team": "care-1", "region": "east"}


def complaint(c: int, i: int) -> dict:
    return {"type": "complaint", "priority": "normal", "channel": "hotline", "customer_id": f"C-{c}-{i}",
            "order_id": f"O-{c}-{i}", "description": "The parcel arrived broken\nand nobody answers the phone.",
            "complainant": {"name": "王女士", "phone": "+8613812345678", "email": "wang@example.com"}}


def prepare(env: dict, count: int) -> list[str]:
    """``count`` surveys of delivered orders, issued by the service's command; their tokens."""
    from service_desk.bootstrap import spec
    from service_desk.commands.surveys import issue_survey
    from service_desk.config import load_config

    tokens = []
    with runtime(spec(), env) as built:
        desk = load_config(built.settings)
        for n in range(count):
            uow = built.uow()
            try:
                issue_survey(uow, desk, customer_id=f"C-{n}", order_id=f"O-bench-{n}", rep_id="rep-1",
                             team="team-1", region="east")
                tokens.append(uow.published[-1].data["answer_url"].rsplit("/", 1)[1])
                uow.commit()
            finally:
                uow.close()
    return tokens


def run(quick: bool = False) -> dict:
    seconds = seconds_for(quick)
    surveys = 500 if quick else 1400
    headers = bearer("service-desk", AGENT["user"], AGENT["roles"], team=AGENT["team"], region=AGENT["region"])
    with migrated("service-desk", "bench_desk") as env:
        tokens = prepare(env, surveys + 40)
        warm, tokens = tokens[:40], tokens[40:]
        with serve("service_desk.app:create_app()", env) as base:
            load(base, post_each(lambda c, i: "/tickets", lambda c, i: complaint(c + 500, i)), headers,
                 clients=2, seconds=1.0)
            tickets = load(base, post_each(lambda c, i: "/tickets", complaint), headers, seconds=seconds)

            def answers(pool: list[str], clients: int):
                split = [pool[c::clients] for c in range(clients)]
                return post_each(lambda c, i: f"/surveys/{split[c][i]}" if i < len(split[c]) else None,
                                 lambda c, i: {"csat": 4, "nps": 9, "comment": "送货很快 fast delivery"})

            load(base, answers(warm, 2), {}, clients=2, seconds=1.0)
            answered = load(base, answers(tokens, CLIENTS), {}, seconds=seconds)
    return against_baseline("desk_ticket", "POST /tickets then /surveys/{token}",
                            {"ticket": tickets, "survey": answered}, seconds)


if __name__ == "__main__":
    run()
