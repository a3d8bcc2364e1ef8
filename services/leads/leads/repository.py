"""Reading the Leads database: lookups, rep loads, duplicate candidates and who sees what."""
from __future__ import annotations

from functools import cache

from sqlalchemy import String, bindparam, false, func, literal, null, or_, select, true, union_all

from salesloop.web.auth import Principal, can_see, visibility_clause

from leads.domain.duplicates import DedupeKeys, KeyedRecord, find_duplicates
from leads.models import LOADED_STATUSES, Customer, CustomerContact, Lead, Rep

import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta


from salesloop.calendar import BusinessCalendar, CalendarError

from leads.domain.assignment import (DEFAULT_ASSIGNMENT_RULES, DEFAULT_FOLLOWUP_POLICY, AssignmentRules,
                                     FollowupPolicy, followup_deadline)
from leads.domain.errors import Conflict, InvalidField
from leads.domain.grading import DEFAULT_RULESET, RuleSet
from leads.models import RuleSetVersion

OPEN_STATUSES = ("new", "assigned", "contacted", "qualified")
POOL_ROLES = {"supervisor", "manager", "director", "admin", "ops"}
DUPLICATE_CANDIDATES = 20


# -- lookups ----------------------------------------------------------------------------
def customer_class(session, customer_id: str | None) -> str | None:
    if not customer_id:
        return None
    return session.execute(select(Customer.abc_class).where(Customer.id == customer_id)).scalar_one_or_none()


def primary_contact(session, customer_id: str) -> CustomerContact | None:
    return session.execute(
        select(CustomerContact).where(CustomerContact.customer_id == customer_id)
        .order_by(CustomerContact.is_primary.desc(), CustomerContact.created_at).limit(1)
    ).scalar_one_or_none()


def contacts_of(session, customer_id: str) -> list[CustomerContact]:
    return list(session.execute(
        select(CustomerContact).where(CustomerContact.customer_id == customer_id)
        .order_by(CustomerContact.is_primary.desc(), CustomerContact.created_at)
    ).scalars())


def contacts_by_customer(session, customer_ids: list[str]) -> dict[str, list[CustomerContact]]:
    found: dict[str, list[CustomerContact]] = {}
    if customer_ids:
        for contact in session.execute(
            select(CustomerContact).where(CustomerContact.customer_id.in_(customer_ids))
            .order_by(CustomerContact.is_primary.desc(), CustomerContact.created_at)
        ).scalars():
            found.setdefault(contact.customer_id, []).append(contact)
    return found


# -- loads ----------------------------------------------------------------------------------
def rep_loads(session, rep_ids=None) -> dict[str, int]:
    """Open leads per rep: assigned, contacted or qualified, and not merged away."""
    if rep_ids is None:
        return dict(session.execute(_loads_statement(False)).all())
    return dict(session.execute(_loads_statement(True), {"rep_ids": list(rep_ids)}).all())


@cache
def _loads_statement(of_some_reps: bool):
    # The statuses are written into the SQL, not bound: a prepared statement's generic plan
    # can then still use the partial index ix_leads_rep_load.
    loaded = bindparam("loaded", list(LOADED_STATUSES), expanding=True, literal_execute=True)
    query = (select(Lead.owner_rep_id, func.count())
             .where(Lead.status.in_(loaded), Lead.merged_into.is_(None), Lead.owner_rep_id.is_not(None))
             .group_by(Lead.owner_rep_id))
    return query.where(Lead.owner_rep_id.in_(bindparam("rep_ids", expanding=True))) if of_some_reps else query


# -- duplicates ------------------------------------------------------------------------------
def duplicate_matches(session, keys: DedupeKeys, exclude_lead_ids=()) -> list[tuple[str, str, tuple[str, ...]]]:
    """(kind, id, matched key kinds) of open leads and customers sharing a key, strongest first."""
    if not keys.entries():
        return []
    return _matches(keys, candidate_records(session, keys, exclude_lead_ids))


def rules_and_duplicates(session, keys: DedupeKeys) -> tuple[ActiveRules, list[tuple[str, str, tuple[str, ...]]]]:
    """The rules in force and the duplicate matches of a capture, asked in one round trip."""
    if not keys.entries():
        return load_rules(session), []
    leads, customers, active = _candidate_rows(session, keys, (), with_rules=True)
    return _rules_for(session, active), _matches(keys, leads + customers)


def _matches(keys: DedupeKeys, records: list[KeyedRecord]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(*match.record_id.split(":", 1), tuple(sorted(kind.value for kind in match.matched_kinds)))
            for match in find_duplicates(keys, records)]


LEAD_ROWS, CUSTOMER_ROWS, CONTACT_ROWS, RULE_ROWS = 0, 1, 2, 3


def candidate_records(session, keys: DedupeKeys, exclude_lead_ids=()) -> list[KeyedRecord]:
    """Open leads (oldest first), then customers, sharing a key: one round trip for the three lookups.

    Each branch probes the indexes on the normalized keys and keeps its own limit.
    """
    leads, customers, _ = _candidate_rows(session, keys, exclude_lead_ids, with_rules=False)
    return leads + customers


def _candidate_rows(session, keys: DedupeKeys, exclude_lead_ids, *, with_rules: bool):
    statement = _candidates_statement(bool(keys.phones), bool(keys.emails), bool(keys.company),
                                      bool(exclude_lead_ids), with_rules)
    given = {"phones": sorted(keys.phones), "emails": sorted(keys.emails), "company": keys.company,
             "excluded": list(exclude_lead_ids)}
    rows = session.execute(statement, {name: value for name, value in given.items() if value}).all()
    leads = [KeyedRecord(f"lead:{row.id}", _keys(row.phone, row.email, row.company_key))
             for row in rows if row.branch == LEAD_ROWS]
    customers = _customer_records([row for row in rows if row.branch in (CUSTOMER_ROWS, CONTACT_ROWS)])
    # A rule row: kind in the phone column, version in the e-mail column, the row id as its id.
    active = {row.phone: (int(row.id), row.email) for row in rows if row.branch == RULE_ROWS}
    return leads, customers, active


@cache
def _candidates_statement(phones: bool, emails: bool, company: bool, excluding: bool, with_rules: bool = False):
    """Built once per shape of the keys: building a union of selects costs more than running it."""
    branches = [_lead_rows(phones, emails, company, excluding)]
    if company:
        branches.append(_customer_rows())
    if phones or emails:
        branches.append(_contact_rows(phones, emails))
    if with_rules:
        ranked = _ranked_versions()
        branches.append(select(literal(RULE_ROWS).label("branch"), ranked.c.id.cast(String).label("id"),
                               ranked.c.kind.label("phone"), ranked.c.version.label("email"),
                               _no_text().label("company_key"), _no_time().label("sort_at"))
                        .where(ranked.c.rank == 1))
    found = union_all(*[select(branch.subquery()) for branch in branches]).subquery()
    return select(found).order_by(found.c.branch, found.c.sort_at, found.c.id)


def _key_filter(phones: bool, emails: bool, company: bool, phone_col, email_col, company_col=None):
    clauses = []
    if phones:
        clauses.append(phone_col.in_(bindparam("phones", expanding=True)))
    if emails:
        clauses.append(email_col.in_(bindparam("emails", expanding=True)))
    if company and company_col is not None:
        clauses.append(company_col == bindparam("company"))
    return or_(*clauses)


def _branch(kind: int, record_id, phone, email, company_key, sort_at):
    return select(literal(kind).label("branch"), record_id.label("id"), phone.label("phone"), email.label("email"),
                  company_key.label("company_key"), sort_at.label("sort_at"))


def _no_text():
    return null().cast(String)


def _no_time():
    return null().cast(Lead.captured_at.type)


def _lead_rows(phones: bool, emails: bool, company: bool, excluding: bool):
    query = (_branch(LEAD_ROWS, Lead.id, Lead.phone, Lead.email, Lead.company_key, Lead.captured_at)
             .where(Lead.status.in_(OPEN_STATUSES), Lead.merged_into.is_(None),
                    _key_filter(phones, emails, company, Lead.phone, Lead.email, Lead.company_key))
             .order_by(Lead.captured_at, Lead.id).limit(DUPLICATE_CANDIDATES))
    if excluding:
        query = query.where(Lead.id.not_in(bindparam("excluded", expanding=True)))
    return query


def _customer_rows():
    return (_branch(CUSTOMER_ROWS, Customer.id, _no_text(), _no_text(), Customer.company_key, _no_time())
            .where(Customer.company_key == bindparam("company"))
            .order_by(Customer.id).limit(DUPLICATE_CANDIDATES))


def _contact_rows(phones: bool, emails: bool):
    return (_branch(CONTACT_ROWS, CustomerContact.customer_id, CustomerContact.phone, CustomerContact.email,
                    _no_text(), _no_time())
            .where(_key_filter(phones, emails, False, CustomerContact.phone, CustomerContact.email))
            .order_by(CustomerContact.customer_id, CustomerContact.id).limit(DUPLICATE_CANDIDATES))


def _customer_records(rows) -> list[KeyedRecord]:
    """Customers found by company name, then those found through a contact's phone or e-mail."""
    by_customer: dict[str, dict] = {}
    for row in rows:
        entry = by_customer.setdefault(row.id, {"phones": set(), "emails": set(), "company": None})
        if row.branch == CUSTOMER_ROWS:
            entry["company"] = row.company_key
        if row.phone:
            entry["phones"].add(row.phone)
        if row.email:
            entry["emails"].add(row.email)
    return [KeyedRecord(f"customer:{customer_id}", DedupeKeys(frozenset(e["phones"]), frozenset(e["emails"]),
                                                               e["company"]))
            for customer_id, e in by_customer.items()]


def _keys(phone, email, company_key) -> DedupeKeys:
    return DedupeKeys(phones=frozenset([phone]) if phone else frozenset(),
                      emails=frozenset([email]) if email else frozenset(), company=company_key)


class BatchDuplicates:
    """Duplicate candidates of a whole import batch, asked in three queries instead of one per row.

    Open leads (oldest first) and customers sharing any key of the batch's rows; each lead the
    batch captures is added as the newest open lead, so a later row of the same batch finds it
    as the row-by-row lookup would.
    """

    def __init__(self, leads: list[KeyedRecord], customers: list[KeyedRecord]):
        self._records: list[KeyedRecord] = []
        self._by_key: dict[tuple[str, str], list[int]] = {}
        self._customers_from = len(leads)
        for record in leads:
            self._index(record)
        self._leads_added: list[KeyedRecord] = []
        self._customers = customers
        self._forgotten: set[str] = set()
        self._customer_by_key: dict[tuple[str, str], list[int]] = {}
        for n, record in enumerate(customers):
            for entry in _entries(record.keys):
                self._customer_by_key.setdefault(entry, []).append(n)

    def _index(self, record: KeyedRecord) -> None:
        self._records.append(record)
        for entry in _entries(record.keys):
            self._by_key.setdefault(entry, []).append(len(self._records) - 1)

    @classmethod
    def load(cls, session, keys: list[DedupeKeys]) -> BatchDuplicates:
        phones = sorted({phone for k in keys for phone in k.phones})
        emails = sorted({email for k in keys for email in k.emails})
        companies = sorted({k.company for k in keys if k.company})
        lead_filter = [clause for clause, values in ((Lead.phone.in_(phones), phones), (Lead.email.in_(emails), emails),
                                                     (Lead.company_key.in_(companies), companies)) if values]
        leads: list[KeyedRecord] = []
        if lead_filter:
            leads = [KeyedRecord(f"lead:{row.id}", _keys(row.phone, row.email, row.company_key))
                     for row in session.execute(
                         select(Lead.id, Lead.phone, Lead.email, Lead.company_key)
                         .where(Lead.status.in_(OPEN_STATUSES), Lead.merged_into.is_(None), or_(*lead_filter))
                         .order_by(Lead.captured_at, Lead.id))]
        rows = []
        if companies:
            rows += [_Row(CUSTOMER_ROWS, row.id, None, None, row.company_key) for row in session.execute(
                select(Customer.id, Customer.company_key).where(Customer.company_key.in_(companies))
                .order_by(Customer.id))]
        contact_filter = [clause for clause, values in ((CustomerContact.phone.in_(phones), phones),
                                                        (CustomerContact.email.in_(emails), emails)) if values]
        if contact_filter:
            rows += [_Row(CONTACT_ROWS, row.customer_id, row.phone, row.email, None) for row in session.execute(
                select(CustomerContact.customer_id, CustomerContact.phone, CustomerContact.email)
                .where(or_(*contact_filter)).order_by(CustomerContact.customer_id, CustomerContact.id))]
        return cls(leads, _customer_records(rows))

    def matches(self, keys: DedupeKeys) -> list[tuple[str, str, tuple[str, ...]]]:
        entries = _entries(keys)
        if not entries:
            return []
        leads = sorted({n for entry in entries for n in self._by_key.get(entry, ())})
        customers = sorted({n for entry in entries for n in self._customer_by_key.get(entry, ())})
        records = [self._records[n] for n in leads if self._records[n].record_id not in self._forgotten]
        return _matches(keys, records + [self._customers[n] for n in customers])

    def add_lead(self, lead_id: str, keys: DedupeKeys) -> None:
        self._index(KeyedRecord(f"lead:{lead_id}", keys))

    def forget_lead(self, lead_id: str) -> None:
        """A lead added but then refused before it was written: it is nobody's duplicate."""
        self._forgotten.add(f"lead:{lead_id}")


@dataclass(frozen=True)
class _Row:
    branch: int
    id: str
    phone: str | None
    email: str | None
    company_key: str | None


def _entries(keys: DedupeKeys) -> list[tuple[str, str]]:
    return ([("phone", phone) for phone in keys.phones] + [("email", email) for email in keys.emails]
            + ([("company", keys.company)] if keys.company else []))


# -- visibility ------------------------------------------------------------------------------
# Regions are stored as codes (trimmed, case-folded); a token's region is compared the same way.
def _token_region(principal: Principal) -> str | None:
    return principal.region.strip().casefold() if principal.region else None


def _can_see(principal: Principal, owner, team, region) -> bool:
    if principal.scope == "region":
        return region is not None and region == _token_region(principal)
    return can_see(principal, owner, team, region)


def _owned_clause(principal: Principal, owner_col, team_col, region_col):
    if principal.scope == "region":
        return region_col == _token_region(principal) if principal.region else false()
    return visibility_clause(principal, owner_col, team_col, region_col)


def _sees_pool(principal: Principal) -> bool:
    return bool(principal.roles & POOL_ROLES)


def _visible(principal: Principal, owner, team, region) -> bool:
    """A rep sees their own records, a supervisor the team's, a manager the region's.

    Records with no owner yet (the unassigned pool) are seen by supervisors and
    managers of their region, so that they can hand them out.
    """
    if owner is None:
        return _sees_pool(principal) and (principal.scope == "all" or region is None
                                          or region == _token_region(principal))
    return _can_see(principal, owner, team, region)


def _clause(principal: Principal, owner_col, team_col, region_col):
    if principal.scope == "all":
        return true()
    owned = owner_col.is_not(None) & _owned_clause(principal, owner_col, team_col, region_col)
    if not _sees_pool(principal):
        return owned
    pool = owner_col.is_(None) & (region_col.is_(None) | (region_col == (_token_region(principal) or "")))
    return owned | pool


def lead_visible(principal: Principal, lead: Lead) -> bool:
    return _visible(principal, lead.owner_rep_id, lead.team, lead.region)


def lead_visibility(principal: Principal):
    return _clause(principal, Lead.owner_rep_id, Lead.team, Lead.region)


def customer_visible(principal: Principal, customer: Customer) -> bool:
    return _visible(principal, customer.owner_rep_id, customer.team, customer.region)


def customer_visibility(principal: Principal):
    return _clause(principal, Customer.owner_rep_id, Customer.team, Customer.region)


def reps_in_scope(session, principal: Principal, rep_ids) -> set[str]:
    """The reps among ``rep_ids`` the caller may know of: a rep knows themself, a supervisor
    their team, a manager their region (and reps with no region), higher roles everyone."""
    wanted = {rep_id for rep_id in rep_ids if rep_id}
    if principal.scope == "all" or principal.scope == "own" or not wanted:
        return wanted if principal.scope == "all" else wanted & {principal.user}
    reps = session.execute(select(Rep).where(Rep.id.in_(wanted))).scalars().all()
    return {rep.id for rep in reps if rep.id == principal.user or _rep_in_scope(principal, rep)}


def _rep_in_scope(principal: Principal, rep: Rep) -> bool:
    if principal.scope == "team":
        return rep.team is not None and rep.team == principal.team
    return rep.region is None or rep.region == _token_region(principal)


# -- the rules in force: grading, assignment, follow-up periods, the business calendar -----------------------------
# Each kind is configured as versioned JSON (``PUT /rules/<kind>``) and the last
# version activated is the one in force; until one is stored, the domain's
# defaults apply. Versions are immutable, so an event citing a version always
# means the same rules.

KINDS = ("grading", "assignment", "followup", "calendar")
DEFAULT_VERSIONS = {"grading": DEFAULT_RULESET.version, "assignment": DEFAULT_ASSIGNMENT_RULES.version,
                    "followup": "followup-default", "calendar": "wall-clock"}


@dataclass(frozen=True)
class ActiveRules:
    grading: RuleSet = DEFAULT_RULESET
    assignment: AssignmentRules = DEFAULT_ASSIGNMENT_RULES
    followup: FollowupPolicy = DEFAULT_FOLLOWUP_POLICY
    calendar: BusinessCalendar | None = None
    versions: tuple[tuple[str, str], ...] = tuple(DEFAULT_VERSIONS.items())

    def deadline(self, start: datetime, grade: str, customer_class: str | None = None) -> datetime:
        add_time = self.calendar.add if self.calendar else None
        return followup_deadline(start, grade, self.followup, add_time=add_time, customer_class=customer_class)

    def version_of(self, kind: str) -> str:
        return dict(self.versions)[kind]


def load_rules(session) -> ActiveRules:
    """The rules in force: one query names the active versions; each set is parsed once.

    A stored version never changes (``store`` refuses other content under a known
    version), so the active rows' ids and versions identify the parsed rules. The
    cache is per database, and the active versions are asked every time, so a
    version activated through another process is in force on its next request.
    """
    return _rules_for(session, active_versions(session))


def _rules_for(session, active: dict[str, tuple[int, str]]) -> ActiveRules:
    key = tuple(sorted(active.items()))
    parsed = _parsed_for(session)
    rules = parsed.get(key)
    if rules is None:
        rules = _build(session, active)
        if len(parsed) >= _CACHED_RULE_SETS:
            parsed.clear()
        parsed[key] = rules
    return rules


_CACHED_RULE_SETS = 32
_parsed_by_database: weakref.WeakKeyDictionary[object, dict] = weakref.WeakKeyDictionary()


def _parsed_for(session) -> dict:
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    parsed = _parsed_by_database.get(engine)
    if parsed is None:
        parsed = _parsed_by_database[engine] = {}
    return parsed


def active_versions(session) -> dict[str, tuple[int, str]]:
    """kind -> (row id, version) of the last version activated of each kind that has one."""
    return {row.kind: (row.id, row.version) for row in session.execute(_active_versions_statement())}


@cache
def _active_versions_statement():
    ranked = _ranked_versions()
    return select(ranked.c.kind, ranked.c.id, ranked.c.version).where(ranked.c.rank == 1)


def _ranked_versions():
    return (select(RuleSetVersion.id, RuleSetVersion.kind, RuleSetVersion.version,
                   func.row_number().over(partition_by=RuleSetVersion.kind,
                                          order_by=(RuleSetVersion.activated_at.desc(),
                                                    RuleSetVersion.id.desc())).label("rank"))
            .where(RuleSetVersion.kind.in_(KINDS)).subquery())


def _build(session, active: dict[str, tuple[int, str]]) -> ActiveRules:
    versions, built = dict(DEFAULT_VERSIONS), {}
    if active:
        ids = [row_id for row_id, _ in active.values()]
        for row in session.execute(select(RuleSetVersion).where(RuleSetVersion.id.in_(ids))).scalars():
            built[row.kind] = parse(row.kind, row.version, row.body)
            versions[row.kind] = row.version
    return ActiveRules(versions=tuple(versions.items()), **built)


def latest(session, kind: str) -> RuleSetVersion | None:
    return session.execute(
        select(RuleSetVersion).where(RuleSetVersion.kind == kind)
        .order_by(RuleSetVersion.activated_at.desc(), RuleSetVersion.id.desc()).limit(1)
    ).scalar_one_or_none()


def parse(kind: str, version: str, config: dict):
    """The domain object for a kind's JSON configuration; InvalidField names the bad path."""
    if kind == "grading":
        return RuleSet.from_dict(_with_version(config, version))
    if kind == "assignment":
        return AssignmentRules.from_dict(_with_version(config, version))
    if kind == "followup":
        return FollowupPolicy.from_dict(config)
    try:
        return BusinessCalendar.from_dict(config)
    except (CalendarError, TypeError, AttributeError) as exc:
        raise InvalidField("config", str(exc)) from None


def _with_version(config: dict, version: str) -> dict:
    if not isinstance(config, dict):
        raise InvalidField("config", "must be an object")
    given = config.get("version")
    if given is not None and given != version:
        raise InvalidField("config.version", f"is {given!r} but the rule set is stored as {version!r}")
    return {**config, "version": version}


def config_of(kind: str, rules: ActiveRules) -> dict | None:
    """The JSON form of the rules in force (what a PUT would store)."""
    if kind == "grading":
        return rules.grading.to_dict()
    if kind == "assignment":
        return rules.assignment.to_dict()
    if kind == "followup":
        return followup_to_dict(rules.followup)
    return rules.calendar.to_dict() if rules.calendar else None


def followup_to_dict(policy: FollowupPolicy) -> dict:
    def hours(period: timedelta) -> int:
        return int(period.total_seconds() // 3600)

    return {"high_hours": hours(policy.high), "medium_hours": hours(policy.medium), "low_hours": hours(policy.low),
            "class_caps_hours": {abc.value: hours(period) for abc, period in sorted(policy.class_caps.items())}}


def store(session, kind: str, version: str, config: dict, by: str | None, now: datetime) -> RuleSetVersion:
    """Activate ``version``: a new one is stored; a known one is re-activated only if identical."""
    parse(kind, version, config)  # refuse what the domain cannot read before anything is written
    existing = session.execute(
        select(RuleSetVersion).where(RuleSetVersion.kind == kind, RuleSetVersion.version == version)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.body != config:
            raise Conflict(f"{kind} rules version {version} already exists with other content; "
                           "give the new rules a new version")
        existing.activated_at = now
        return existing
    row = RuleSetVersion(kind=kind, version=version, body=config, created_at=now, created_by=by, activated_at=now)
    session.add(row)
    return row
