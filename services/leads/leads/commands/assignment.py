"""Assigning leads to reps: automatically (least loaded eligible rep) or by a supervisor."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

from salesloop.messaging.dump_plan import dumper
from sqlalchemy import case, select

from leads import events
from leads.commands.common import jsonable, remember, utcnow
from leads.commands.facts import facts_of
from leads.domain import assignment as assigning
from leads.domain.errors import InvalidField, RuleViolation
from leads.domain.lifecycle import LeadStatus, transition
from leads.events import Explanation
from leads.models import Lead, Rep
from leads.repository import customer_class, rep_loads
from leads.repository import ActiveRules, load_rules


class RepRoster:
    """The reps and their open loads for one transaction, kept current as leads are handed out.

    Loading it locks the rep rows (PostgreSQL; SQLite has one writer anyway), so two
    captures at once cannot both give the last free slot of a rep.
    """

    def __init__(self, reps: list[Rep], loads: dict[str, int]):
        self.reps = {rep.id: rep for rep in reps}
        self.loads = {rep.id: loads.get(rep.id, 0) for rep in reps}
        # The domain's view of each rep, rebuilt only for the reps a lead is given to or taken
        # from: an import chunk asks for the candidates once per lead.
        self._candidates = {rep.id: domain_rep(rep, self.loads[rep.id]) for rep in reps}

    @classmethod
    def load(cls, session) -> RepRoster:
        # Locked in id order (no deadlock between two rosters), and counted by a second
        # statement: in READ COMMITTED only a statement begun after the locks were granted
        # sees the leads that the previous holder committed.
        reps = list(session.execute(_locked_reps()).scalars())
        return cls(reps, rep_loads(session))

    def candidates(self) -> list[assigning.Rep]:
        return list(self._candidates.values())

    def give(self, rep_id: str, previous_rep_id: str | None, now: datetime) -> None:
        self.loads[rep_id] += 1
        if previous_rep_id in self.loads:
            self.loads[previous_rep_id] -= 1
            self._refresh(previous_rep_id)
        self.reps[rep_id].last_assigned_at = now
        self._refresh(rep_id)

    def _refresh(self, rep_id: str) -> None:
        self._candidates[rep_id] = domain_rep(self.reps[rep_id], self.loads[rep_id])


@cache
def _locked_reps():
    return select(Rep).order_by(Rep.id).with_for_update()


def domain_rep(rep: Rep, load: int) -> assigning.Rep:
    skills = assigning.Skills(product_lines=rep.product_lines or (), regions=rep.regions or (),
                              industries=rep.industries or ())
    return assigning.Rep(rep_id=rep.id, active=rep.active, capacity=rep.capacity, open_load=load,
                         created_at=rep.created_at, skills=skills, last_assigned_at=rep.last_assigned_at)


def auto_assign(uow, lead: Lead, rules: ActiveRules, now: datetime, roster: RepRoster | None = None) -> bool:
    """Give the lead to the least-loaded eligible rep; with nobody eligible it waits in the pool."""
    roster = roster or RepRoster.load(uow.session)
    facts = facts_of(lead)
    choice = assigning.assign(facts, roster.candidates(), rules.assignment)
    if choice is None:
        reports = assigning.evaluate_candidates(facts, roster.candidates(), rules.assignment)
        pooled = {"rule_version": rules.assignment.version, "tie_break": "none", "tied_rep_ids": [],
                  "candidates": jsonable([events.candidate(r) for r in reports]), "pooled": True}
        if lead.assignment != pooled:  # the pool sweep retries often; write only what changed
            lead.assignment = pooled
        return False
    previous = lead.owner_rep_id
    give_lead(uow, lead, roster.reps[choice.rep_id], events.explanation(choice), rules, now,
              manual=False, by=None, note=None)
    roster.give(choice.rep_id, previous, now)
    return True


@cache
def dump_explanation() -> Callable[[dict], dict]:
    return dumper(Explanation())  # built once: a marshmallow schema is costly to make on every assignment


def give_lead(uow, lead: Lead, rep: Rep, explanation: dict, rules: ActiveRules, now: datetime, *,
              manual: bool, by: str | None, note: str | None) -> None:
    previous = lead.owner_rep_id
    lead.status = transition(lead.status, LeadStatus.ASSIGNED, rep_id=rep.id).value
    lead.owner_rep_id, lead.team, lead.assigned_at = rep.id, rep.team, now
    lead.followup_due_at = rules.deadline(now, lead.grade or "low", customer_class(uow.session, lead.customer_id))
    lead.assignment = dump_explanation()(explanation)
    lead.updated_at = now
    rep.last_assigned_at = now
    remember(uow, lead.id, "assigned", by, now, {"rep_id": rep.id, "previous_rep_id": previous, "manual": manual,
                                                 "note": note})
    uow.publish("leads.lead.assigned", {**events.assigned(lead, manual=manual, previous_rep_id=previous, by=by,
                                                           note=note), "explanation": explanation},
                subject=lead.id)


def assign_manually(uow, lead: Lead, rep_id: str, *, by: str, by_team: str | None, team_scoped: bool,
                    note: str | None = None, over_capacity: bool = False, now: datetime | None = None) -> Lead:
    """A supervisor's choice. An inactive rep is refused; a full one only with ``over_capacity``."""
    now = now or utcnow()
    roster = RepRoster.load(uow.session)
    rep = roster.reps.get(rep_id)
    if rep is None:
        raise InvalidField("rep_id", f"no rep {rep_id}")
    if team_scoped and rep.team != by_team:
        raise RuleViolation(f"rep {rep_id} is not in your team")
    if rep.id == lead.owner_rep_id:
        raise RuleViolation(f"the lead is already assigned to {rep_id}")
    [report] = assigning.evaluate_candidates(facts_of(lead), [domain_rep(rep, roster.loads[rep.id])],
                                             load_rules(uow.session).assignment)
    if not rep.active:
        raise RuleViolation(f"rep {rep_id} is inactive")
    if roster.loads[rep.id] >= rep.capacity and not over_capacity:
        raise RuleViolation(f"rep {rep_id} is at capacity ({roster.loads[rep.id]}/{rep.capacity}); "
                            "set over_capacity to assign anyway")
    explanation = {"rule_version": "manual", "tie_break": "manual", "tied_rep_ids": [rep.id],
                   "candidates": [events.candidate(report)]}
    previous = lead.owner_rep_id
    give_lead(uow, lead, rep, explanation, load_rules(uow.session), now, manual=True, by=by, note=note)
    roster.give(rep.id, previous, now)
    return lead


def assign_pool(uow, now: datetime, limit: int = 200) -> int:
    """Offer waiting leads to the reps again (a rep may have been added or freed up); highest grade first."""
    rank = case({"high": 0, "medium": 1}, value=Lead.grade, else_=2)
    waiting = list(uow.session.execute(
        select(Lead).where(Lead.status == "new", Lead.owner_rep_id.is_(None), Lead.merged_into.is_(None))
        .order_by(rank, Lead.captured_at).limit(limit).with_for_update(skip_locked=True)
    ).scalars())
    if not waiting:
        return 0
    rules, roster = load_rules(uow.session), RepRoster.load(uow.session)
    return sum(auto_assign(uow, lead, rules, now, roster=roster) for lead in waiting)
