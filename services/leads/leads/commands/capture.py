"""Capturing a lead (with duplicate check), grading it, and editing its details."""
from __future__ import annotations

from datetime import datetime

from salesloop.fx import UnknownRate, rate_for

from leads import events
from leads.commands.assignment import RepRoster, auto_assign
from leads.commands.common import StagedWrites, new_id, remember, utcnow
from leads.commands.facts import facts_of
from leads.domain.duplicates import DedupeKeys
from leads.domain.errors import Conflict, DuplicateFound, InvalidField
from leads.domain.grading import BudgetRule, Grading, grade, override_grade
from leads.domain.normalization import normalize_company_name
from leads.models import Lead
from leads.repository import BatchDuplicates, customer_class, duplicate_matches, rules_and_duplicates
from leads.repository import ActiveRules, load_rules


def capture_lead(uow, data: dict, *, captured_by: str | None, rules: ActiveRules | None = None,
                 roster: RepRoster | None = None, now: datetime | None = None,
                 duplicates: BatchDuplicates | None = None) -> Lead:
    """Refuse a duplicate (unless asked to record it linked), then capture, grade and assign.

    ``duplicates``: an import batch's candidates, asked once for the batch (and told of the lead)."""
    now = now or utcnow()
    # Completed in memory (graded, assigned), the lead is written once, its history and three
    # events in order, all at the commit: the lead row, its three history lines (one statement)
    # and the rep's last assignment, then the three outbox rows (one statement). A single capture
    # encodes its first two events before it locks the reps (held to the commit), so the locks
    # cover the assignment and those few statements.
    staged = StagedWrites(uow)
    lead, rules = begin_capture(staged, data, captured_by=captured_by, rules=rules, now=now, duplicates=duplicates)
    if roster is None:
        staged.write_events()
    finish_capture(staged, lead, rules, now, roster=roster)
    staged.write()
    return lead


def begin_capture(staged: StagedWrites, data: dict, *, captured_by: str | None, rules: ActiveRules | None,
                  now: datetime, duplicates: BatchDuplicates | None = None) -> tuple[Lead, ActiveRules]:
    """The duplicate check, then the lead captured and graded, all staged: nothing is written
    and no rep is locked yet. ``duplicates`` is told of the lead (a later row of its batch sees it)."""
    company_key = normalize_company_name(data["company"]) if data.get("company") else None
    keys = keys_of(data.get("contact") or {}, company_key)
    if duplicates is not None:
        matches = duplicates.matches(keys)
    elif rules is None:  # the rules in force are asked with the duplicates: one round trip
        rules, matches = rules_and_duplicates(staged.session, keys)
    else:
        matches = duplicate_matches(staged.session, keys)
    rules = rules or load_rules(staged.session)
    if matches and not data.get("record_duplicate"):
        raise DuplicateFound(matches)
    lead = new_lead(data, company_key, captured_by, now, matches)
    staged.publish("leads.lead.captured", events.captured(lead), subject=lead.id)
    remember(staged, lead.id, "captured", captured_by, now, {"source": lead.source, "duplicate_of": lead.duplicate_of})
    grade_lead(staged, lead, rules, now)
    if duplicates is not None:
        duplicates.add_lead(lead.id, keys)
    return lead, rules


def finish_capture(staged: StagedWrites, lead: Lead, rules: ActiveRules, now: datetime,
                   roster: RepRoster | None = None) -> None:
    """Assign the begun lead and stage it last, after its history. An import chunk holds its
    roster's locks already and goes on past a row refused here: nothing of a row is written
    until ``staged.write()``."""
    auto_assign(staged, lead, rules, now, roster=roster)
    staged.add(lead)


def keys_of(contact: dict, company_key: str | None) -> DedupeKeys:
    phone, email = contact.get("phone"), contact.get("email")
    return DedupeKeys(phones=frozenset([phone]) if phone else frozenset(),
                      emails=frozenset([email]) if email else frozenset(), company=company_key)


def new_lead(data: dict, company_key, captured_by, now, matches) -> Lead:
    contact, budget, detail = data.get("contact") or {}, data.get("budget") or {}, data.get("source_detail") or {}
    lead_match = next((record_id for kind, record_id, _ in matches if kind == "lead"), None)
    customer_match = next((record_id for kind, record_id, _ in matches if kind == "customer"), None)
    return Lead(
        id=new_id(), status="new", company=data.get("company"), company_key=company_key,
        person_name=data.get("person_name"), industry=data.get("industry"), region=data.get("region"),
        company_size=data.get("company_size"), contact_name=contact.get("name"), contact_title=contact.get("title"),
        phone=contact.get("phone"), email=contact.get("email"), needs=data.get("needs") or "",
        product_lines=list(data.get("product_lines") or []), budget_amount=budget.get("amount"),
        budget_currency=budget.get("currency"), expected_purchase_by=data.get("expected_purchase_by"),
        source=data["source"], campaign_code=detail.get("campaign_code"), referrer=detail.get("referrer"),
        received_at=data.get("received_at") or now, captured_at=now, captured_by=captured_by,
        duplicate_of=lead_match, customer_id=customer_match, contributions=[], updated_at=now,
    )


# -- grading --------------------------------------------------------------------------------------
def _budget_rate(uow, lead: Lead, rules: ActiveRules):
    """The budget's rate to the budget rule's currency, when that is the company currency."""
    rule_currency = next((rule.currency for rule in rules.grading.rules if isinstance(rule, BudgetRule)), None)
    company = uow.settings.company_currency if uow.settings else "CNY"
    if not lead.budget_currency or lead.budget_currency == rule_currency or rule_currency != company:
        return None
    try:
        return rate_for(uow.session, uow.metadata, lead.budget_currency, company, lead.captured_at)
    except UnknownRate:
        return None  # the rule then says the budget was not counted, and why


def compute_grading(uow, lead: Lead, rules: ActiveRules) -> Grading:
    grading = grade(facts_of(lead, _budget_rate(uow, lead, rules)), rules.grading)
    override = lead.grade_override
    if override:
        grading = override_grade(grading, override["grade"], reason=override["reason"], by=override["by"],
                                 at=datetime.fromisoformat(override["at"]))
    return grading


def grade_lead(uow, lead: Lead, rules: ActiveRules, now: datetime, *, force_event: bool = False) -> bool:
    """Store the lead's grading; publish leads.lead.graded when it changed (or when forced)."""
    grading = compute_grading(uow, lead, rules)
    contributions = [{"rule": c.rule_id, "description": c.description, "points": c.points}
                     for c in grading.contributions]
    before = (lead.grade, lead.score, lead.ruleset_version, lead.contributions)
    after = (grading.grade.value, grading.score, grading.ruleset_version, contributions)
    if before == after and not force_event:
        return False
    lead.grade, lead.score, lead.ruleset_version, lead.contributions = after
    lead.computed_grade = grading.computed_grade.value
    lead.updated_at = now
    remember(uow, lead.id, "graded", (lead.grade_override or {}).get("by"), now,
             {"grade": lead.grade, "score": lead.score, "ruleset_version": lead.ruleset_version})
    uow.publish("leads.lead.graded", events.graded(lead, now), subject=lead.id)
    return True


def override_lead_grade(uow, lead: Lead, new_grade: str, reason: str, by: str, now: datetime | None = None) -> Lead:
    """A supervisor's grade; an assigned lead not yet contacted gets the new grade's deadline."""
    now = now or utcnow()
    rules = load_rules(uow.session)
    computed = compute_grading(uow, lead, rules)
    overridden = override_grade(computed, new_grade, reason=reason, by=by, at=now)
    lead.grade_override = {"grade": overridden.grade.value, "previous_grade": computed.grade.value,
                           "reason": overridden.override.reason, "by": by, "at": now.isoformat()}
    grade_lead(uow, lead, rules, now, force_event=True)
    if lead.status == "assigned" and lead.assigned_at is not None:
        lead.followup_due_at = rules.deadline(lead.assigned_at, lead.grade, customer_class(uow.session,
                                                                                           lead.customer_id))
    return lead


# -- editing ---------------------------------------------------------------------------------------
EDITABLE = ("company", "person_name", "industry", "region", "company_size", "needs", "product_lines",
            "expected_purchase_by")
GRADING_INPUTS = {"company_size", "needs", "product_lines", "expected_purchase_by", "budget", "industry", "region"}


def update_lead(uow, lead: Lead, changes: dict, *, by: str, now: datetime | None = None) -> list[str]:
    """Apply an edit; re-check duplicates on new contact keys, re-grade when grading inputs changed."""
    now = now or utcnow()
    if lead.status in ("converted", "disqualified") or lead.merged_into:
        raise Conflict(f"lead {lead.id} is {lead.status if not lead.merged_into else 'merged'}; it is read-only")
    changed = _apply_changes(lead, changes)
    if not changed:
        return []
    if changed & {"phone", "email", "company"} and not changes.get("record_duplicate"):
        matches = duplicate_matches(uow.session, keys_of({"phone": lead.phone, "email": lead.email},
                                                         lead.company_key), exclude_lead_ids=[lead.id])
        if matches:
            raise DuplicateFound(matches)
    lead.updated_at = now
    ordered = sorted(changed)
    remember(uow, lead.id, "updated", by, now, {"changed": ordered})
    uow.publish("leads.lead.updated", events.updated(lead, ordered), subject=lead.id)
    if changed & GRADING_INPUTS:
        grade_lead(uow, lead, load_rules(uow.session), now)
    return ordered


def _apply_changes(lead: Lead, changes: dict) -> set[str]:
    changed = set()
    for name in EDITABLE:
        if name in changes and getattr(lead, name) != changes[name]:
            setattr(lead, name, changes[name] if name != "needs" else (changes[name] or ""))
            changed.add(name)
    if "company" in changed:
        lead.company_key = normalize_company_name(lead.company) if lead.company else None
    contact = changes.get("contact") or {}
    for field, column in (("name", "contact_name"), ("title", "contact_title"), ("phone", "phone"),
                          ("email", "email")):
        if field in contact and getattr(lead, column) != contact[field]:
            setattr(lead, column, contact[field])
            changed.add(column if field in ("phone", "email") else f"contact_{field}")
    if "budget" in changes:
        budget = changes["budget"] or {}
        new = (budget.get("amount"), budget.get("currency"))
        if (lead.budget_amount, lead.budget_currency) != new:
            lead.budget_amount, lead.budget_currency = new
            changed.add("budget")
    detail = changes.get("source_detail") or {}
    for field in ("campaign_code", "referrer"):
        if field in detail and getattr(lead, field) != detail[field]:
            setattr(lead, field, detail[field])
            changed.add(field)
    if not (lead.phone or lead.email):
        raise InvalidField("contact", "a lead needs a phone number or an e-mail address")
    return changed
