#!/usr/bin/env python3
"""Load a living demo data set into a running Salesloop stack.

    make run                      # in one terminal
    make demo                     # in another: .venv/bin/python examples/demo.py

Everything goes through the services' public HTTP APIs, as the people of a
sales company would use them (reps, supervisors, managers, ops, service-desk
agents, customers answering their survey link), plus the two outside parties
that speak on the bus: the storefront publishes ``storefront.order.placed``, and
a mailbox (the e-mail/SMS gateway) receives ``service.survey.sent`` — the only
place a survey's answer link travels.

What it creates: 12 reps in 3 teams and regions (and a 4th region nobody serves:
the pool), a few hundred leads received over the last six months from every
source, graded and assigned, with calls, e-mails, visits and chats; some
disqualified, some converted into deals; deals in every stage, proposals,
negotiation minutes, contracts approved by a manager and signed; the orders they
create, with phone and storefront orders, in every state; surveys answered;
tickets of every type (complaints breaching their SLA among them);
agents' interactions, two with compliance violations; QA reviews; KPI targets
and a commission plan.

A second run adds more: a company, phone or e-mail the stack already knows is
answered 409 and the rep's next prospect is drawn instead. ``--seed`` draws the
same data set (names, amounts, what becomes of each lead, deal and order); the
rep a lead goes to is the service's choice (lowest load), which depends on the
order in which the parallel journeys arrive. Run it where ``make run`` runs (it
reads the same BUS_URL / BUS_NAMESPACE / SALESLOOP_DATA_DIR); ``--url`` points
at services elsewhere. Exit status 1 when any call answered something
unexpected (listed at the end).

    .venv/bin/python examples/demo.py [--base-port 8001] [--seed N] [--leads 300] [--url kpi=http://…]
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import secrets
import sys
import threading
from urllib.parse import quote, urlsplit
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from collections.abc import Callable
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

import requests

SERVICES = ("leads", "deals", "orders", "service-desk", "kpi")
CATALOG = json.loads((Path(__file__).parent / "demo_data" / "catalog.json").read_text(encoding="utf-8"))
COMPANY_ZONE = ZoneInfo(os.environ.get("COMPANY_TIMEZONE", "Asia/Shanghai"))
USD_RATE, EUR_RATE = Decimal("7.1200"), Decimal("7.7500")
RATES_VALID_FROM = "2024-01-01T00:00:00+00:00"
MAILBOX_QUEUE = "demo.mailbox"  # the e-mail/SMS gateway's queue; one, reused by every run
SURVEY_SENT = "service.survey.sent"
STOREFRONT_ORDER_PLACED = "storefront.order.placed"


class DemoError(RuntimeError):
    """A call answered something the demo did not expect."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    return datetime.now(COMPANY_ZONE).date()


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# -- what happened ------------------------------------------------------------------------------
class Tally:
    """Counts of what was made, and the problems met, from several threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.problems: list[str] = []
        self.requests = 0
        self.retries = 0

    def add(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def request(self, retried: int) -> None:
        with self._lock:
            self.requests += 1
            self.retries += retried

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)


# -- people and HTTP ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    user: str
    role: str
    name: str
    team: str | None = None
    region: str | None = None
    also: tuple[str, ...] = ()  # further roles, e.g. the care desk's supervisor is a care agent too


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict


class Api:
    """The five APIs, called as a person (a development token each), retrying what may be retried.

    On the embedded default (SQLite) a write whose snapshot another process
    changed meanwhile is answered 409 ``concurrent-change`` with nothing
    written: the caller is told to try again, so we do. A 429 waits as told.
    """

    def __init__(self, urls: dict[str, str], tally: Tally):
        from salesloop.config import load_settings
        from salesloop.web.auth import issue_token

        self.urls = urls
        self.tally = tally
        settings = load_settings("leads")  # the secret every service of the stack verifies with
        self._issue = lambda p: issue_token(settings, p.user, [p.role, *p.also], team=p.team,
                                                 region=p.region)
        self._tokens: dict[Person, str] = {}
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def token(self, person: Person) -> str:
        if person not in self._tokens:
            self._tokens[person] = self._issue(person)
        return self._tokens[person]

    def call(self, person: Person | None, method: str, service: str, path: str, *, json: Any = None,
             params: dict | None = None, expect: tuple[int, ...] = (200, 201), headers: dict | None = None,
             data: Any = None, files: Any = None) -> Reply:
        sent = dict(headers or {})
        if person is not None:
            sent["Authorization"] = f"Bearer {self.token(person)}"
        url = f"{self.urls[service]}{path}"
        conflicts = waits = 0
        while True:
            try:
                response = self._session().request(method, url, json=json, params=params, headers=sent, data=data,
                                                   files=files, timeout=60)
            except requests.ConnectionError as exc:
                waits += 1
                if waits > 3:
                    raise DemoError(f"{method} {service}{path}: {exc}") from None
                time.sleep(1)
                continue
            body = _body(response)
            kind = body.get("type", "") if isinstance(body, dict) else ""
            if response.status_code == 409 and kind.endswith("/concurrent-change") and conflicts < 12:
                conflicts += 1
                time.sleep(0.05 * (2 ** min(conflicts, 4)) * (0.5 + random.random()))
                continue
            if response.status_code in (429, 503) and waits < 3:
                waits += 1
                time.sleep(min(65.0, float(response.headers.get("Retry-After") or 2)))
                continue
            self.tally.request(conflicts)
            if response.status_code not in expect:
                who = person.user if person else "anonymous"
                raise DemoError(f"{method} {service}{path} as {who}: {response.status_code} "
                                f"{_short(body)}\n    sent: {_short(json)}")
            return Reply(response.status_code, body, dict(response.headers))

    def get(self, person, service, path, **kw) -> Any:
        return self.call(person, "GET", service, path, expect=(200,), **kw).body

    def post(self, person, service, path, body=None, **kw) -> Any:
        return self.call(person, "POST", service, path, json={} if body is None else body, **kw).body

    def put(self, person, service, path, body, **kw) -> Any:
        return self.call(person, "PUT", service, path, json=body, **kw).body

    def patch(self, person, service, path, body, **kw) -> Any:
        return self.call(person, "PATCH", service, path, json=body, **kw).body

    def total(self, person, service, path, **params) -> int:
        """How many records a list holds: every list answers {items, page, page_size, total}."""
        return int(self.get(person, service, path, params={**params, "page_size": 1})["total"])


def _body(response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _short(value: Any, limit: int = 400) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def items(page: Any) -> list:
    return page["items"] if isinstance(page, dict) and "items" in page else page


# -- the company ----------------------------------------------------------------------------------
class Company:
    """Everyone who works here, as the tokens they would carry."""

    def __init__(self):
        self.admin = Person("demo-admin", "admin", "系统管理员")
        self.ops = Person("ops-fang", "ops", "运营 方芳")
        self.director = Person("dir-zhou", "director", "销售总监 周国强")
        self.teams = CATALOG["teams"]
        self.reps: dict[str, Person] = {}
        self.supervisors: dict[str, Person] = {}
        self.managers: dict[str, Person] = {}
        for team in self.teams:
            region = team["region"]
            for rep_id, name, _lines, _industries in team["reps"]:
                self.reps[rep_id] = Person(rep_id, "rep", name, team["id"], region)
            self.supervisors[team["id"]] = Person(team["supervisor"][0], "supervisor", team["supervisor"][1],
                                                  team["id"], region)
            # A manager of the region, outside the sales team: never a deal's owner or drafter.
            self.managers[region] = Person(team["manager"][0], "manager", team["manager"][1], f"mgmt-{region}",
                                           region)
        desk = CATALOG["desk"]
        # The care desk's supervisor leads agents and serves customers like them.
        self.desk_supervisor = Person(desk["supervisor"][0], "supervisor", desk["supervisor"][1],
                                      desk["supervisor"][2], also=("cs_agent",))
        self.agents = [Person(user, "cs_agent", name, team) for user, name, team in desk["agents"]]
        self.regions = [team["region"] for team in self.teams]

    def rep(self, rep_id: str | None) -> Person | None:
        return self.reps.get(rep_id or "")

    def seller(self, rep_id: str | None) -> Person:
        """Who acts on a record owned by ``rep_id``: the rep, else the director (storefront orders)."""
        return self.rep(rep_id) or self.director


# -- made-up but plausible customers --------------------------------------------------------------
def pick(rng: random.Random, options: list):
    return options[rng.randrange(len(options))]


def chinese_person(rng) -> tuple[str, str]:
    (surname, s_py), (given, g_py) = pick(rng, CATALOG["surnames"]), pick(rng, CATALOG["given_names"])
    return surname + given, f"{s_py}.{g_py}"


def english_person(rng) -> tuple[str, str]:
    first, last = pick(rng, CATALOG["english_first"]), pick(rng, CATALOG["english_last"])
    return f"{first} {last}", f"{first}.{last}".lower()


def mobile(rng) -> str:
    return f"+86 {pick(rng, CATALOG['mobile_prefixes'])} {rng.randrange(10000):04d} {rng.randrange(10000):04d}"


@dataclass
class Identity:
    company: str
    contact: dict
    region: str
    city: str
    industry: str
    english: bool


def new_identity(rng: random.Random, region: str) -> Identity:
    city, city_py = pick(rng, CATALOG["regions"][region]["cities"])
    industry = pick(rng, sorted(CATALOG["industries"]))
    english = rng.random() < 0.22
    if english:
        brand = pick(rng, CATALOG["english_brands"])
        company = f"{brand} {pick(rng, CATALOG['industries'][industry]['en'])} {pick(rng, CATALOG['english_suffixes'])}"
        person, handle = english_person(rng)
        domain = f"{brand.lower()}-{city_py}.example.com"
        title = pick(rng, CATALOG["titles_en"])
    else:
        brand, brand_py = pick(rng, CATALOG["brands"])
        kind = "股份有限公司" if rng.random() < 0.15 else "有限公司"
        company = f"{city}市{brand}{pick(rng, CATALOG['industries'][industry]['zh'])}{kind}"
        person, handle = chinese_person(rng)
        domain = f"{brand_py}-{city_py}.example.cn"
        title = pick(rng, CATALOG["titles_zh"])
    contact = {"name": person, "title": title, "email": f"{handle}{rng.randrange(100)}@{domain}"}
    if not english or rng.random() < 0.5:
        contact["phone"] = mobile(rng)
    return Identity(company, contact, region, city, industry, english)


def draw_lines(rng: random.Random, product_lines: list[str], currency: str) -> list[dict]:
    """A quote's line items for what the customer wants, priced in the deal's currency."""
    lines = []
    for product_line in product_lines:
        products = CATALOG["products"][product_line]
        for product in rng.sample(products, k=min(len(products), rng.choice((1, 2)))):
            low, high = product["qty"]
            price = Decimal(product["price"])
            cost = Decimal(product["cost"]) if product["cost"] else None
            if currency == "USD":
                price = (price / USD_RATE).quantize(Decimal("0.01"))
                cost = (cost / USD_RATE).quantize(Decimal("0.01")) if cost is not None else None
            lines.append({"product_code": product["code"], "description": f"{product['zh']} / {product['en']}",
                          "quantity": str(rng.randint(low, high)), "unit_price": str(price),
                          "discount_pct": pick(rng, ["0", "0", "5", "8", "10"]), "tax_rate_pct": product["tax"],
                          "unit_cost": None if cost is None else str(cost)})
    return lines


def net_of(lines: list[dict]) -> Decimal:
    return sum((Decimal(line["quantity"]) * Decimal(line["unit_price"])
                * (1 - Decimal(line["discount_pct"]) / 100) for line in lines), Decimal(0))


def received_at(rng: random.Random, max_days: int = 180) -> datetime:
    """A moment in the last ``max_days``, denser lately (the business is growing), in office hours."""
    days_ago = int(max_days * (1 - rng.random() ** 0.6))
    day = today() - timedelta(days=days_ago)
    local = datetime(day.year, day.month, day.day, rng.randint(8, 20), rng.randrange(60), tzinfo=COMPANY_ZONE)
    latest = utcnow() - timedelta(minutes=30)
    return min(local.astimezone(timezone.utc), latest)


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max(60.0, (end - start).total_seconds())
    return start + timedelta(seconds=rng.uniform(0, seconds))


def allot(rng: random.Random, total: int, shares: dict[str, float]) -> list[str]:
    """``total`` labels in the given proportions (each at least once when there is room), shuffled."""
    counts = {label: int(total * share) for label, share in shares.items()}
    if total >= len(shares):
        for label in shares:
            counts[label] = max(1, counts[label])
    by_share = sorted(shares, key=lambda label: -shares[label])
    i = 0
    while sum(counts.values()) < total:
        counts[by_share[i % len(by_share)]] += 1
        i += 1
    while sum(counts.values()) > total:
        label = max(counts, key=lambda key: counts[key])
        counts[label] -= 1
    labels = [label for label, count in counts.items() for _ in range(count)]
    rng.shuffle(labels)
    return labels


# -- the plan: every choice drawn from the seed up front ---------------------------------------------
LEAD_FATES = {"untouched": 0.17, "contacted": 0.30, "qualified": 0.06, "disqualified": 0.17, "converted": 0.30}
DEAL_OUTCOMES = {"qualification": 0.07, "needs_analysis": 0.08, "proposal": 0.10, "negotiation": 0.10,
                 "contract_review": 0.08, "lost": 0.15, "won": 0.42}
ORDER_STATES = {"created": 0.06, "confirmed": 0.08, "in_fulfilment": 0.10, "shipped": 0.08, "delivered": 0.10,
                "accepted": 0.14, "disputed": 0.08, "settled": 0.28, "cancelled": 0.08}
SOURCES = {"web_form": 0.18, "referral": 0.12, "campaign": 0.15, "social": 0.10, "trade_show": 0.14, "phone": 0.17,
           "storefront": 0.14}
STAGES = ("needs_analysis", "proposal", "negotiation", "contract_review", "won")
SURVEY_ANSWERS_PER_RUN = 24  # the answer link is rate limited per client address (PUBLIC_RATE_LIMIT, 30/minute)


@dataclass
class DealPlan:
    outcome: str
    lost_after: str | None = None
    second_proposal: bool = False
    contract_rejected_once: bool = False
    minutes: bool = True
    order_state: str | None = None    # what becomes of the order a signed contract makes


@dataclass
class LeadPlan:
    index: int
    rng: random.Random
    identity: Identity
    body: dict
    fate: str
    lines: list[dict]
    currency: str
    deal: DealPlan | None = None
    lead: dict | None = None          # as captured
    customer_id: str | None = None    # after conversion


@dataclass
class Plan:
    leads: list[LeadPlan]
    phone_states: list[str]
    storefront_states: list[str]

    @property
    def tracked(self) -> list[LeadPlan]:
        """Leads entered one by one and worked; the untouched rest arrive in one CSV import."""
        return [lead for lead in self.leads if lead.fate != "untouched"]

    @property
    def imported(self) -> list[LeadPlan]:
        return [lead for lead in self.leads if lead.fate == "untouched"]


def make_plan(seed: str, count: int, phone_orders: int, storefront_orders: int) -> Plan:
    rng = random.Random(f"{seed}:plan")
    fates, sources = allot(rng, count, LEAD_FATES), allot(rng, count, SOURCES)
    leads = []
    for index in range(count):
        lead_rng = random.Random(f"{seed}:lead:{index}")
        region = "west" if lead_rng.random() < 0.04 else pick(lead_rng, ["east", "south", "north"])
        leads.append(draft_lead(lead_rng, index, region, fates[index] if region != "west" else "untouched",
                                sources[index]))
    converted = [lead for lead in leads if lead.fate == "converted"]
    for lead, outcome in zip(converted, allot(rng, len(converted), DEAL_OUTCOMES), strict=False):
        lead.deal = DealPlan(outcome=outcome,
                             lost_after=pick(lead.rng, ["qualification", *STAGES[:-1]]) if outcome == "lost" else None,
                             second_proposal=lead.rng.random() < 0.25,
                             contract_rejected_once=lead.rng.random() < 0.15,
                             minutes=lead.rng.random() < 0.7)
    won = [lead.deal for lead in converted if lead.deal.outcome == "won"]
    states = allot(rng, len(won) + phone_orders + storefront_orders, ORDER_STATES)
    for deal, state in zip(won, states, strict=False):
        deal.order_state = state
    rest = states[len(won):]
    return Plan(leads, rest[:phone_orders], rest[phone_orders:])


def draft_lead(rng: random.Random, index: int, region: str, fate: str, source: str) -> LeadPlan:
    identity = new_identity(rng, region)
    product_lines = rng.sample(sorted(CATALOG["products"]), k=rng.choice((1, 1, 1, 2)))
    currency = "USD" if identity.english and rng.random() < 0.4 else "CNY"
    lines = draw_lines(rng, product_lines, currency)
    seats = rng.choice((8, 15, 30, 60, 120, 300))
    needs = pick(rng, CATALOG["needs"][product_lines[0]]).format(n=seats)
    body = {"company": identity.company, "industry": identity.industry, "region": region,
            "company_size": pick(rng, [8, 30, 80, 150, 300, 600, 1200, 3000]), "contact": identity.contact,
            "needs": needs, "product_lines": product_lines, "source": source,
            "received_at": iso(received_at(rng))}
    if rng.random() < 0.75:
        budget = (net_of(lines) * Decimal(rng.choice(("0.8", "1", "1.2", "1.5")))).quantize(Decimal("1000"))
        body["budget"] = {"amount": str(max(budget, Decimal(1000))), "currency": currency}
    if rng.random() < 0.7:
        body["expected_purchase_by"] = (today() + timedelta(days=rng.randint(10, 160))).isoformat()
    if source in ("campaign", "trade_show"):
        code = pick(rng, ["CIIF-2026", "CRM-WEBINAR-Q3", "618-PROMO", "SIAL-2026"])
        body["source_detail"] = {"campaign_code": code}
    elif source == "referral":
        body["source_detail"] = {"referrer": chinese_person(rng)[0]}
    return LeadPlan(index, rng, identity, body, fate, lines, currency)


# -- the run ---------------------------------------------------------------------------------------------
@dataclass
class Run:
    api: Api
    company: Company
    seed: str
    tally: Tally
    workers: int
    bus: BusParties
    event_timeout: float
    started: float = field(default_factory=time.monotonic)
    deals: list[tuple[LeadPlan, dict]] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    order_states: dict[str, str] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    nonce: str = field(default_factory=lambda: secrets.token_hex(3))

    def rng(self, *key) -> random.Random:
        return random.Random(":".join([self.seed, *map(str, key)]))

    def step(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    def each(self, things: list, work: Callable[[Any], Any]) -> list:
        """``work`` on every item, several at a time (the five services work in parallel); a failure is
        noted and the rest goes on."""
        def guarded(thing):
            try:
                return work(thing)
            except DemoError as exc:
                self.tally.problem(str(exc))
            except Exception as exc:  # an answer of a shape we did not expect: say which, go on
                self.tally.problem(f"{type(exc).__name__}: {exc}")
            return None

        if self.workers <= 1:
            return [guarded(thing) for thing in things]
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(guarded, things))

    def wait(self, probe: Callable[[], Any], what: str, timeout: float | None = None) -> Any:
        """Poll until ``probe`` gives something (events cross the bus between services)."""
        deadline = time.monotonic() + (timeout or self.event_timeout)
        pause = 0.2
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                self.tally.problem(f"timed out waiting for {what}")
                return found
            time.sleep(pause)
            pause = min(1.0, pause * 1.5)


# -- 1. set-up -------------------------------------------------------------------------------------------
def set_up(run: Run) -> None:
    api, company = run.api, run.company
    for service in ("leads", "deals", "orders", "service-desk"):
        for currency, rate in (("USD", USD_RATE), ("EUR", EUR_RATE)):
            created = api.call(company.admin, "POST", service, "/fx-rates", expect=(201, 409), json={
                "currency": currency, "rate": str(rate), "valid_from": RATES_VALID_FROM})
            run.tally.add("fx rates", created.status == 201)
    for team in company.teams:
        for rep_id, name, product_lines, industries in team["reps"]:
            reply = api.call(company.admin, "POST", "leads", "/reps", expect=(201, 409), json={
                "id": rep_id, "name": name, "team": team["id"], "region": team["region"], "capacity": 150,
                "skills": {"regions": [team["region"]], "product_lines": product_lines, "industries": industries}})
            run.tally.add("reps hired", reply.status == 201)
    known = {entry["question"] for entry in items(api.get(None, "service-desk", "/faq", params={"page_size": 200}))}
    for question, answer, keywords in CATALOG["faq"]:
        if question not in known:
            api.post(company.desk_supervisor, "service-desk", "/faq",
                     {"question": question, "answer": answer, "keywords": keywords})
            run.tally.add("faq entries")


# -- 2. leads nobody has worked yet: one CSV import, and the web form ----------------------------------------
CSV_COLUMNS = ["公司", "联系人", "职位", "手机", "邮箱", "行业", "地区", "规模", "需求", "意向产品", "预算", "币种",
               "预计采购日期", "来源", "活动代码", "推荐人", "接收时间"]


def import_csv(run: Run, plans: list[LeadPlan]) -> None:
    """Sales operations uploads the week's list (Chinese headers, UTF-8 with BOM); one row has a bad phone."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for plan in plans:
        body, contact = plan.body, plan.body["contact"]
        budget, detail = body.get("budget") or {}, body.get("source_detail") or {}
        writer.writerow([body["company"], contact["name"], contact["title"], contact.get("phone", ""),
                         contact["email"], body["industry"], body["region"], body["company_size"], body["needs"],
                         ";".join(body["product_lines"]), budget.get("amount", ""), budget.get("currency", ""),
                         # A row that names no source is counted as an import.
                         body.get("expected_purchase_by", ""), body["source"] if plan.index % 2 else "",
                         detail.get("campaign_code", ""),
                         detail.get("referrer", ""), body["received_at"]])
    writer.writerow(["杭州西溪电子有限公司", "钱七", "", "12345", "", "manufacturing", "east", "", "", "", "", "", "",
                     "import", "", "", ""])
    upload = ("\ufeff" + out.getvalue()).encode("utf-8")
    report = run.api.call(run.company.supervisors["team-east"], "POST", "leads", "/leads/import",
                          files={"file": (f"leads-week-{today():%V}.csv", upload, "text/csv")},
                          expect=(201, 202)).body
    run.tally.add("leads imported from CSV", int(report.get("imported") or 0))
    run.tally.add("CSV rows rejected (bad or duplicate)", int(report.get("rejected") or 0))


def web_forms(run: Run) -> None:
    """The public web form (no token; rate limited): a few sign-ups from the web site."""
    rng = run.rng("web-form")
    for _ in range(3):
        identity = new_identity(rng, pick(rng, run.company.regions))
        run.api.call(None, "POST", "leads", "/leads/web-form", expect=(202,), json={
            "company": identity.company, "person_name": identity.contact["name"], "contact": identity.contact,
            "region": identity.region, "industry": identity.industry, "product_lines": ["crm"],
            "needs": "官网留言：想了解 CRM 价格 / pricing for a small team", "campaign_code": "SEO-2026"})
        run.tally.add("web-form sign-ups")


# -- 3. a lead's journey: captured, worked, converted, its deal, its contract, its order ------------------------
def lead_journey(run: Run, plan: LeadPlan) -> None:
    """One task per lead, so that leads, deals and orders are all busy at once."""
    capture(run, plan)
    if not plan.lead or run.company.rep(plan.lead.get("owner_rep_id")) is None:
        return
    work_lead(run, plan)
    if not (plan.customer_id and plan.deal):
        return
    rep = run.company.rep(plan.lead["owner_rep_id"])
    deals = run.wait(lambda: items(run.api.get(rep, "deals", "/deals", params={"lead_id": plan.lead["id"]})),
                     f"the deal of lead {plan.lead['id']} (leads.lead.converted → deals)")
    if not deals:
        return
    run.deals.append((plan, deals[0]))
    run.tally.add("deals opened")
    contract_id = work_deal(run, plan, deals[0])
    if contract_id:
        order = wait_for_order(run, "contract_id", contract_id)
        if order:
            run.tally.add("orders from contracts")
            work_order(run, order, plan.deal.order_state, run.rng("order", "contract", plan.index))


def capture(run: Run, plan: LeadPlan) -> None:
    captor = run.company.supervisors[f"team-{plan.identity.region}"] if plan.identity.region != "west" \
        else run.company.director
    for _attempt in range(4):
        reply = run.api.call(captor, "POST", "leads", "/leads", json=plan.body, expect=(201, 409))
        if reply.status == 201:
            plan.lead = reply.body
            run.tally.add("leads captured one by one")
            run.tally.add(f"leads graded {plan.lead['grading']['grade']}")
            run.tally.add("leads assigned" if plan.lead.get("owner_rep_id") else "leads left in the pool")
            return
        # Someone with this phone, e-mail or company is known (an earlier run): another prospect, then.
        run.tally.add("duplicates caught")
        identity = new_identity(plan.rng, plan.identity.region)
        plan.identity = identity
        plan.body = {**plan.body, "company": identity.company, "contact": identity.contact,
                     "industry": identity.industry}
    run.tally.problem(f"lead {plan.index}: every identity drawn was a duplicate")


def work_lead(run: Run, plan: LeadPlan) -> None:
    rng, lead = plan.rng, plan.lead
    rep = run.company.rep(lead["owner_rep_id"])
    touches = 1 if plan.fate == "disqualified" else rng.choice((1, 1, 2, 2, 3))
    start = datetime.fromisoformat(lead["received_at"])
    moments = sorted(between(rng, start, min(start + timedelta(days=20), utcnow() - timedelta(minutes=5)))
                     for _ in range(touches))
    for moment in moments:
        kind = pick(rng, ["call", "call", "email", "visit", "chat"])
        outcome = pick(rng, ["connected", "interested", "meeting_scheduled", "callback_requested", "left_message"])
        run.api.post(rep, "leads", f"/leads/{lead['id']}/activities", {
            "kind": kind, "outcome": outcome, "occurred_at": iso(moment),
            "summary": pick(rng, CATALOG["activity_summaries"][kind]), "next_step": pick(rng, CATALOG["next_steps"])})
        run.tally.add(f"activities ({kind})")
    if plan.fate == "disqualified":
        run.api.post(rep, "leads", f"/leads/{lead['id']}/disqualify",
                     {"reason": pick(rng, CATALOG["disqualify_reasons"])})
        run.tally.add("leads disqualified")
        return
    if plan.fate in ("qualified", "converted"):
        run.api.post(rep, "leads", f"/leads/{lead['id']}/qualify", {"note": "预算与决策人已确认 budget and buyer confirmed"})
        run.tally.add("leads qualified")
    if plan.fate == "converted":
        conversion = run.api.post(rep, "leads", f"/leads/{lead['id']}/convert", {
            "category": pick(rng, ["key_account", "smb", "smb", "prospect"]),
            "expected_amount": money(net_of(plan.lines)), "currency": plan.currency,
            "expected_close_date": (today() + timedelta(days=rng.randint(20, 90))).isoformat()})
        plan.customer_id = conversion["customer_id"]
        run.tally.add("leads converted")


def show_duplicates(run: Run, plans: list[LeadPlan]) -> None:
    """Same phone from another desk: refused with the existing id; recorded on purpose, then merged."""
    primary = next((p for p in plans if p.lead and p.fate == "contacted" and p.lead.get("owner_rep_id")
                    and p.lead["contact"].get("phone")), None)
    if primary is None:
        return
    supervisor = run.company.supervisors[primary.lead["team"]]
    again = {**primary.body, "company": primary.body["company"] + "（分公司）", "source": "phone",
             "contact": {**primary.body["contact"], "email": None}}
    refused = run.api.call(supervisor, "POST", "leads", "/leads", json=again, expect=(409,)).body
    run.tally.add("duplicates caught", str(primary.lead["id"]) in json.dumps(refused))
    duplicate = run.api.post(supervisor, "leads", "/leads", {**again, "record_duplicate": True})
    run.api.post(supervisor, "leads", f"/leads/{primary.lead['id']}/merge", {"duplicate_id": duplicate["id"]})
    run.tally.add("duplicates merged")


def supervise(run: Run, plans: list[LeadPlan]) -> None:
    """A supervisor overrides one grade (with the reason) and hands one lead to a colleague."""
    open_leads = [plan for plan in plans if plan.lead and plan.fate == "contacted" and plan.lead.get("owner_rep_id")]
    if open_leads:
        plan = open_leads[-1]
        run.api.post(run.company.supervisors[plan.lead["team"]], "leads", f"/leads/{plan.lead['id']}/grade-override",
                     {"grade": "high", "reason": "集团重点客户，董事长亲自询价 (the chairman asked himself)"})
        run.tally.add("grades overridden")
    if len(open_leads) > 1:
        plan = open_leads[-2]
        colleague = next(rep for rep in run.company.reps.values()
                         if rep.team == plan.lead["team"] and rep.user != plan.lead["owner_rep_id"])
        run.api.post(run.company.supervisors[plan.lead["team"]], "leads", f"/leads/{plan.lead['id']}/assign",
                     {"rep_id": colleague.user, "note": "客户要求英文对接 / customer asked for an English speaker",
                      "over_capacity": True})
        run.tally.add("leads reassigned")


# -- 4. deals -------------------------------------------------------------------------------------------------
def work_deal(run: Run, plan: LeadPlan, deal: dict) -> str | None:
    """Through the stages to the planned outcome; the contract's id when it was signed."""
    rng, outcome = plan.rng, plan.deal.outcome
    rep = run.company.rep(deal["owner_rep_id"])
    path = f"/deals/{deal['id']}"
    run.api.patch(rep, "deals", path, {
        "goals": pick(rng, CATALOG["goals"]), "competitors": rng.sample(CATALOG["competitors"], k=2),
        "products": sorted({line["product_code"] for line in plan.lines}),
        "spin": {key: text.format(n=rng.choice((20, 60, 150))) for key, text in CATALOG["spin"].items()}})
    target = plan.deal.lost_after if outcome == "lost" else outcome
    contract_id = None
    for stage in STAGES[:STAGES.index(target) + 1] if target != "qualification" else ():
        contract_id = STEPS[stage](run, plan, deal, rep)
    if outcome == "lost":
        reason, competitor = pick(rng, CATALOG["lost_reasons"])
        run.api.post(rep, "deals", f"{path}/stage", {"to_stage": "lost", "reason": reason, "competitor": competitor})
    run.tally.add(f"deals left in {outcome}" if outcome not in ("won", "lost") else f"deals {outcome}")
    return contract_id


def to_needs_analysis(run, plan, deal, rep) -> None:
    run.api.post(rep, "deals", f"/deals/{deal['id']}/stage", {"to_stage": "needs_analysis"})


def to_proposal(run, plan, deal, rep) -> None:
    path = f"/deals/{deal['id']}/proposals"
    valid_until = (today() + timedelta(days=30)).isoformat()
    first = run.api.post(rep, "deals", path, {"currency": plan.currency, "valid_until": valid_until,
                                              "items": plan.lines, "notes": "首版报价 first quote"})
    run.api.post(rep, "deals", f"{path}/{first['version']}/send")
    run.tally.add("proposals sent")
    if plan.deal.second_proposal:
        run.api.post(rep, "deals", f"{path}/{first['version']}/reject", {"reason": "客户认为价格偏高 too expensive"})
        cheaper = [{**line, "discount_pct": str(min(Decimal(line["discount_pct"]) + 5, Decimal(30)))}
                   for line in plan.lines]
        second = run.api.post(rep, "deals", path, {"valid_until": valid_until, "items": cheaper,
                                                   "notes": "第二版：追加 5% 折扣"})
        run.api.post(rep, "deals", f"{path}/{second['version']}/send")
        run.tally.add("proposals sent")


def to_negotiation(run, plan, deal, rep) -> None:
    path = f"/deals/{deal['id']}"
    latest = 2 if plan.deal.second_proposal else 1
    run.api.post(rep, "deals", f"{path}/proposals/{latest}/accept")
    run.api.post(rep, "deals", f"{path}/stage", {"to_stage": "negotiation"})
    if plan.deal.minutes:
        contact = plan.lead["contact"]["name"] or "客户"
        run.api.post(rep, "deals", f"{path}/minutes", {
            "held_at": iso(utcnow() - timedelta(hours=plan.rng.randint(1, 48))), "subject": "商务谈判 commercial terms",
            "attendees": [{"name": rep.name, "side": "ours", "title": "销售"},
                          {"name": contact, "side": "customer", "title": plan.lead["contact"].get("title") or ""}],
            "agreed_points": ["首付 30%，验收后 70%", "Delivery within six weeks"],
            "open_points": [] if plan.rng.random() < 0.6 else ["培训场次待定 number of training sessions"],
            "next_steps": [{"action": "起草合同 draft the contract", "owner": rep.name,
                            "due": (today() + timedelta(days=3)).isoformat()}]})
        run.tally.add("negotiation minutes")


def to_contract_review(run, plan, deal, rep) -> None:
    path = f"/deals/{deal['id']}/contract"
    address = pick(plan.rng, CATALOG["addresses"]).format(city=plan.identity.city, n=plan.rng.randint(1, 399))
    run.api.post(rep, "deals", path, {
        "delivery_terms": f"DAP {plan.identity.city}", "payment_terms": "30% advance, 70% net 30",
        "delivery_date": (today() + timedelta(days=plan.rng.randint(25, 60))).isoformat(),
        "delivery_address": address})
    run.api.post(rep, "deals", f"{path}/submit")
    run.tally.add("contracts drafted")


def to_won(run, plan, deal, rep) -> str:
    path = f"/deals/{deal['id']}/contract"
    manager = run.company.managers[deal["region"]]
    if plan.deal.contract_rejected_once:
        run.api.post(manager, "deals", f"{path}/reject", {"reason": "付款条件需改为预付 40% (need 40% advance)"})
        run.api.post(rep, "deals", f"{path}/revise")
        run.api.patch(rep, "deals", path, {"payment_terms": "40% advance, 60% net 30"})
        run.api.post(rep, "deals", f"{path}/submit")
        run.tally.add("contracts rejected and revised")
    run.api.post(manager, "deals", f"{path}/approve")
    contact = plan.lead["contact"]
    signed = run.api.post(rep, "deals", f"{path}/sign", {"signatory": contact["name"] or "授权代表",
                                                         "signatory_title": contact.get("title")})
    run.tally.add("contracts signed")
    return signed["id"]


STEPS = {"needs_analysis": to_needs_analysis, "proposal": to_proposal, "negotiation": to_negotiation,
         "contract_review": to_contract_review, "won": to_won}


# -- 5. orders ----------------------------------------------------------------------------------------------------
def wait_for_order(run: Run, key: str, value: str) -> dict | None:
    found = run.wait(lambda: items(run.api.get(run.company.ops, "orders", "/orders", params={key: value})),
                     f"the order with {key} {value}")
    if not found:
        return None
    run.orders.append(found[0])
    return found[0]


def phone_order(run: Run, index: int, state: str) -> None:
    """A customer phones a rep, who enters the order (an Idempotency-Key makes a retry safe)."""
    rng = run.rng("phone-order", index)
    rep = pick(rng, sorted(run.company.reps.values(), key=lambda rep: rep.user))
    name, _ = chinese_person(rng)
    city = pick(rng, CATALOG["regions"][rep.region]["cities"])[0]
    product = pick(rng, CATALOG["products"][pick(rng, sorted(CATALOG["products"]))])
    order = run.api.call(rep, "POST", "orders", "/orders", headers={"Idempotency-Key": f"demo-{run.nonce}-{index}"},
                         expect=(201,), json={
        "customer": {"id": f"tel-{run.nonce}-{index}", "name": f"{city}{name}工作室", "phone": mobile(rng),
                     "contact_name": name},
        "items": [{"product_code": product["code"], "description": product["zh"], "quantity": str(rng.randint(1, 10)),
                   "unit_price": product["price"], "unit_cost": product["cost"], "tax_rate_pct": product["tax"]}],
        "currency": "CNY", "delivery_date": (today() + timedelta(days=rng.randint(10, 30))).isoformat(),
        "shipping_address": {"line1": f"{city}市人民路 {rng.randint(1, 300)} 号", "city": city, "country": "CN",
                             "recipient": name},
        "payment_terms": pick(rng, ["prepaid", "cash_on_delivery", "net_30"]),
        "placed_at": iso(utcnow() - timedelta(hours=rng.randint(1, 72))), "notes": "电话下单 phone order"}).body
    run.orders.append(order)
    run.tally.add("phone orders")
    work_order(run, order, state, rng)


def storefront_journey(run: Run, index: int, state: str) -> None:
    """The web shop publishes the order on the bus; orders makes exactly one order of it."""
    rng = run.rng("storefront", index)
    storefront_id = f"SF-{today():%Y%m%d}-{run.nonce.upper()}{index:02d}"
    run.bus.place_storefront_order(storefront_order(rng, storefront_id))
    run.tally.add("storefront orders published")
    order = wait_for_order(run, "storefront_order_id", storefront_id)
    if order:
        run.tally.add("orders from the storefront")
        work_order(run, order, state, rng)


def storefront_order(rng: random.Random, storefront_id: str) -> dict:
    name, handle = chinese_person(rng)
    city = pick(rng, CATALOG["regions"][pick(rng, ["east", "south", "north"])]["cities"])[0]
    chosen = rng.sample(CATALOG["storefront_items"], k=rng.randint(1, 2))
    placed = utcnow().astimezone(timezone(timedelta(hours=8)))
    return {
        "storefront_order_id": storefront_id,
        "customer": {"id": f"shopper-{handle}-{rng.randrange(1000)}", "name": name, "phone": mobile(rng),
                     "email": f"{handle}@shop.example.cn"},
        "items": [{"sku": item["sku"], "name": item["name"], "qty": str(rng.randint(1, 3)),
                   "unit_price": item["unit_price"]} for item in chosen],
        "currency": "CNY", "placed_at": placed.isoformat(),
        "shipping_address": {"line1": f"{city}市文三路 {rng.randint(1, 200)} 号", "city": city, "region": "",
                             "postal_code": "310012", "country": "CN", "recipient": name},
        "requested_delivery_date": (placed.date() + timedelta(days=12)).isoformat(), "payment_terms": "prepaid",
    }


ORDER_PATH = {
    "created": [], "cancelled": ["cancel"], "confirmed": ["confirm"],
    "in_fulfilment": ["confirm", "start", "purchasing"],
    "shipped": ["confirm", "purchasing", "production", "packing", "ship"],
    "delivered": ["confirm", "purchasing", "production", "packing", "ship", "deliver"],
    "accepted": ["confirm", "purchasing", "production", "packing", "ship", "deliver", "accept"],
    "disputed": ["confirm", "purchasing", "production", "packing", "ship", "deliver", "dispute"],
    "settled": ["confirm", "purchasing", "production", "packing", "ship", "deliver", "accept", "settle"],
}


def work_order(run: Run, order: dict, state: str, rng: random.Random) -> None:
    """Confirm, fulfil (the plan's stages), ship, deliver, accept or dispute, settle — or cancel."""
    run.order_states[order["id"]] = state
    seller, ops = run.company.seller(order.get("rep_id")), run.company.ops
    path = f"/orders/{order['id']}"
    steps = list(ORDER_PATH[state])
    if state == "settled" and rng.random() < 0.35:
        steps[-2:] = ["dispute", "accept_after_dispute", "settle"]
    if state == "cancelled" and rng.random() < 0.5:
        steps.insert(0, "confirm")
    latest = order
    for step in steps:
        if step == "confirm":
            latest = run.api.post(seller, "orders", f"{path}/confirm", {"note": "客户电话确认 confirmed by phone"})
        elif step == "start":
            latest = run.api.post(ops, "orders", f"{path}/start-fulfilment", {})
        elif step in ("purchasing", "production", "packing"):
            run.api.post(ops, "orders", f"{path}/plan/stages/{step}/complete")
        elif step == "ship":
            carrier = pick(rng, ["顺丰速运 SF Express", "京东物流 JD Logistics", "德邦快递 Deppon"])
            latest = run.api.post(ops, "orders", f"{path}/ship", {
                "carrier": carrier, "tracking_number": f"SF{rng.randrange(10**11, 10**12)}"})
        elif step == "deliver":
            latest = run.api.post(ops, "orders", f"{path}/deliver", {})
            run.tally.add("deliveries (each sends a survey)")
        elif step == "accept":
            latest = run.api.post(seller, "orders", f"{path}/accept", {"comment": "验收合格 accepted on site"})
        elif step == "dispute":
            latest = run.api.post(seller, "orders", f"{path}/dispute", {
                "reason": pick(rng, ["两台网关外壳破损", "Quantity short by 20 sensors", "发票抬头错误"])})
        elif step == "accept_after_dispute":
            latest = run.api.post(seller, "orders", f"{path}/accept", {
                "resolution": "补发配件并开具红字发票 replacement parts shipped"})
        elif step == "settle":
            settle(run, latest, path, rng)
        elif step == "cancel":
            latest = run.api.post(seller, "orders", f"{path}/cancel",
                                  {"reason": pick(rng, ["客户预算取消", "Customer merged the order into another"])})
    run.tally.add(f"orders left {state}")


def settle(run: Run, order: dict, path: str, rng: random.Random) -> None:
    amounts = order.get("amounts") or {}
    due = Decimal(amounts.get("gross_amount") or order.get("gross_amount"))
    body = {"paid_amount": money(due), "currency": order.get("currency") or amounts["currency"]}
    if rng.random() < 0.2:
        body.update(paid_amount=money(due - min(due / 10, Decimal(500))), note="扣除破损赔偿 less the damage credit")
    run.api.post(run.company.ops, "orders", f"{path}/settle", body)


def request_changes(run: Run) -> None:
    """Two customers ask to change an order: one approved (a new version), one rejected."""
    candidates = sorted((order for order in run.orders
                         if run.order_states.get(order["id"]) in ("confirmed", "in_fulfilment")
                         and run.company.rep(order.get("rep_id"))), key=lambda order: order["order_number"])
    for order, approve in zip(candidates[:2], (True, False), strict=False):
        rep = run.company.rep(order["rep_id"])
        detail = run.api.get(rep, "orders", f"/orders/{order['id']}")
        line = detail["items"][0]
        change = run.api.post(rep, "orders", f"/orders/{order['id']}/changes", {
            "reason": "客户追加数量 customer wants more", "quantity_changes": [
                {"product_code": line["product_code"], "quantity": str(Decimal(line["quantity"]) + 2)}]})
        manager = run.company.managers[order.get("region") or rep.region]
        if approve:
            run.api.post(manager, "orders", f"/orders/{order['id']}/changes/{change['id']}/approve",
                         {"note": "库存充足 stock available"})
        else:
            run.api.post(manager, "orders", f"/orders/{order['id']}/changes/{change['id']}/reject",
                         {"reason": "产能已满，交期无法保证 no capacity"})
        run.tally.add("change requests " + ("approved" if approve else "rejected"))


def journeys(run: Run, plan: Plan) -> None:
    """Every lead's journey, with the phone and storefront orders mixed in, several at a time."""
    tasks: list[Callable[[], None]] = [lambda lead=lead: lead_journey(run, lead) for lead in plan.tracked]
    extras = [lambda i=i, s=s: phone_order(run, i, s) for i, s in enumerate(plan.phone_states)] + \
             [lambda i=i, s=s: storefront_journey(run, i, s) for i, s in enumerate(plan.storefront_states)]
    for position, extra in enumerate(extras):
        tasks.insert(len(tasks) * (position + 1) // (len(extras) + 1), extra)
    run.each(tasks, lambda task: task())


# -- 6. service desk ----------------------------------------------------------------------------------------
TICKET_SCENARIOS = ("breached", "late_then_resolved", "closed_satisfied", "waiting", "in_progress", "fresh",
                    "reopened", "resolved")


def service_desk(run: Run, count: int) -> None:
    rng = run.rng("tickets")
    disputed = sorted((order for order in run.orders
                       if run.order_states.get(order["id"]) in ("disputed", "settled")), key=lambda o: o["id"])
    customers = converted_customers(run) or [f"walk-in-{run.nonce}"]
    scenarios = [TICKET_SCENARIOS[i % len(TICKET_SCENARIOS)] for i in range(count)]
    jobs = []
    for index, scenario in enumerate(scenarios):
        kind, subject, description = CATALOG["tickets"][index % len(CATALOG["tickets"])]
        if scenario == "breached":
            kind = "complaint"
        order = pick(rng, disputed) if kind == "complaint" and disputed and rng.random() < 0.7 else None
        jobs.append((index, scenario, kind, subject, description, order,
                     order["customer_id"] if order else pick(rng, customers)))
    run.each(jobs, lambda job: open_ticket(run, *job))
    run.each(list(enumerate(run.company.agents)), lambda pair: log_interactions(run, *pair))
    review_quality(run)


def converted_customers(run: Run) -> list[str]:
    return [plan.customer_id for plan, _ in sorted(run.deals, key=lambda pair: pair[0].index)]


CHANNELS = ("phone", "hotline", "email", "chat", "web", "social", "storefront", "visit")
PRIORITIES = ("urgent", "high", "normal", "low")


def open_ticket(run: Run, index, scenario, kind, subject, description, order, customer_id) -> None:
    rng = run.rng("ticket", index)
    agent = run.company.agents[index % len(run.company.agents)]
    now = utcnow()
    received = now - timedelta(minutes=5) if scenario == "fresh" else \
        now - timedelta(days=rng.uniform(2, 4) if scenario == "breached" else rng.uniform(1, 40))
    priority = pick(rng, ["urgent", "high"]) if scenario == "breached" else PRIORITIES[index % 4]
    name, _ = chinese_person(rng)
    ticket = run.api.post(run.company.desk_supervisor, "service-desk", "/tickets", {
        "type": kind, "priority": priority, "channel": CHANNELS[index % len(CHANNELS)], "customer_id": customer_id,
        "order_id": order["id"] if order else None, "subject": subject, "description": description,
        "complainant": {"name": name, "phone": mobile(rng).replace(" ", "")}, "received_at": iso(received),
        "agent_id": agent.user, "team": agent.team})
    run.tally.add(f"tickets ({kind})")
    path = f"/tickets/{ticket['id']}"
    at = ticket_clock(received, now, rng)
    if scenario in ("breached", "fresh"):
        run.tally.add("complaints left to breach their SLA" if scenario == "breached" else "tickets just opened")
        return
    run.api.post(agent, "service-desk", f"{path}/start", {"at": at(0.05)})
    late = scenario == "late_then_resolved"
    run.api.post(agent, "service-desk", f"{path}/respond", {
        "at": at(0.5 if late else 0.1), "message": "您好，已收到，我们正在处理。We are on it."})
    if kind == "complaint":
        run.api.post(agent, "service-desk", f"{path}/notes", {
            "at": at(0.55 if late else 0.15), "text": "调查：物流签收照片显示外箱破损",
            "attachments": [{"ref": f"s3://desk-evidence/{ticket['id']}/photo-1.jpg", "name": "签收照片.jpg",
                             "content_type": "image/jpeg"}]})
    if scenario == "in_progress":
        return
    if scenario == "waiting":
        run.api.post(agent, "service-desk", f"{path}/wait", {"at": at(0.3), "reason": "等待客户提供日志 waiting for logs"})
        return
    compensation = {"amount": pick(rng, ["200", "500", "1000"]), "currency": "CNY",
                    "reason": "延误补偿 delay compensation"} if kind == "complaint" else None
    run.api.post(agent, "service-desk", f"{path}/resolve", {
        "at": at(0.8 if late else 0.4), "resolution": "已更换设备并回访确认 replaced and verified",
        "compensation": compensation, "agent_at_fault": agent.user if late and rng.random() < 0.5 else None})
    run.tally.add("tickets resolved")
    if scenario == "resolved":
        return
    verdict = "unsatisfied" if scenario == "reopened" else "satisfied"
    run.api.post(agent, "service-desk", f"{path}/close", {"at": at(0.9), "verdict": verdict})
    run.tally.add("tickets reopened (unsatisfied)" if verdict == "unsatisfied" else "tickets closed")


def ticket_clock(start: datetime, end: datetime, rng) -> Callable[[float], str]:
    """Moments at fractions of the ticket's life so far, always in order and never in the future."""
    span = (end - start).total_seconds()
    return lambda fraction: iso(start + timedelta(seconds=span * fraction + rng.uniform(0, 30)))


def log_interactions(run: Run, index: int, agent: Person) -> None:
    rng = run.rng("interactions", index)
    texts = list(CATALOG["interactions"]["clean"])
    if index < len(CATALOG["interactions"]["violations"]):
        texts.append(CATALOG["interactions"]["violations"][index])
    customers = converted_customers(run) or [None]
    for text in texts:
        channel = pick(rng, ["phone", "phone", "chat", "email", "video"])
        started = utcnow() - timedelta(days=rng.uniform(0.2, 150))
        body = {"agent_id": agent.user, "customer_id": pick(rng, customers), "channel": channel,
                "direction": pick(rng, ["inbound", "outbound"]), "started_at": iso(started),
                "duration_seconds": rng.randint(60, 900), "content": text, "team": agent.team}
        if channel == "phone":
            body.update(recording_ref=f"rec://calls/{started:%Y/%m}/{uuid.UUID(int=rng.getrandbits(128))}.wav",
                        recording_retention_days=180)
        logged = run.api.post(agent, "service-desk", "/interactions", body)
        run.tally.add("interactions logged")
        if logged.get("violation_count"):
            run.tally.add("interactions with compliance violations")


def review_quality(run: Run) -> None:
    """The desk supervisor samples one interaction per agent (seeded) and scores each."""
    now = utcnow()
    sample = run.api.call(run.company.desk_supervisor, "POST", "service-desk", "/qa/reviews/sample", json={
        "period_start": iso(now - timedelta(days=180)), "period_end": iso(now), "per_agent": 1,
        "agent_ids": [agent.user for agent in run.company.agents], "seed": f"demo-{run.seed}-{run.nonce}"},
        expect=(200, 201)).body
    form = run.api.get(run.company.desk_supervisor, "service-desk", "/qa/review-form")["items"]
    for review in items(sample) if isinstance(sample, (list, dict)) else []:
        interaction = run.api.get(run.company.desk_supervisor, "service-desk",
                                  f"/interactions/{review['interaction_id']}")
        clean = not interaction.get("violation_count")
        marks = {item["key"]: (item["max_points"] if clean or not item["critical"] else 0) for item in form}
        run.api.post(run.company.desk_supervisor, "service-desk", f"/qa/reviews/{review['id']}/score", {
            "marks": marks, "comments": "流程规范 well handled" if clean else "违规承诺，需复训 needs retraining"})
        run.tally.add("QA reviews scored")


# -- 7. surveys -------------------------------------------------------------------------------------------------
def answer_surveys(run: Run) -> None:
    """Customers answer most of the links they were sent (the mailbox got them)."""
    delivered = {order["id"] for order in run.orders
                 if run.order_states.get(order["id"]) in ("delivered", "accepted", "disputed", "settled")}
    links: dict[str, str] = {}

    def all_sent():
        for event in run.bus.mailbox_events():
            data = event.get("data") or {}
            key = data.get("order_id") or data.get("ticket_id")
            if key and not data.get("reminder") and data.get("answer_url"):
                links.setdefault(key, data["answer_url"])
        return delivered <= set(links)

    run.wait(all_sent, f"service.survey.sent for {len(delivered)} delivered orders")
    run.tally.add("surveys sent (this run)", len(links))
    rng = run.rng("surveys")
    disputed = {order["id"] for order in run.orders if run.order_states.get(order["id"]) == "disputed"}
    # Orders' surveys first, then complaints'; about four in five answer, up to the link's rate limit.
    ordered = sorted(links.items(), key=lambda pair: (pair[0] not in delivered, pair[0]))
    chosen = [pair for pair in ordered if rng.random() < 0.8][:SURVEY_ANSWERS_PER_RUN]
    for key, url in chosen:
        happy = key not in disputed and rng.random() < 0.8
        csat, nps = (rng.choice((4, 5, 5)), rng.choice((8, 9, 10, 10))) if happy else \
            (rng.choice((1, 2, 3)), rng.choice((0, 3, 5, 6)))
        comment = pick(rng, CATALOG["survey_comments"]["good" if happy else "bad"])
        token = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]
        reply = run.api.call(None, "POST", "service-desk", f"/surveys/{quote(token)}", expect=(200, 409, 410),
                             json={"csat": csat, "nps": nps, "comment": comment})
        run.tally.add("surveys answered" if reply.status == 200 else "survey links already used")
        # Customers do not answer in the same millisecond; and every retry after a conflict would
        # count against the link's rate limit.
        time.sleep(0.4)
    run.unanswered = [url for pair in ordered if pair not in chosen for url in pair[1:]]


# -- 8. KPIs -------------------------------------------------------------------------------------------------------
def kpis(run: Run) -> dict:
    month = f"{today():%Y-%m}"

    def figures():
        summary = run.api.get(run.company.director, "kpi", "/kpis", params={"period": month})
        metrics = summary["metrics"]
        ready = metrics["revenue"]["value"] not in (None, "0.00") and (
            not run.tally["surveys answered"] or metrics["csat"]["value"] is not None)
        return summary if ready else None

    summary = run.wait(figures, "the KPIs to show this month's revenue and CSAT") or \
        run.api.get(run.company.director, "kpi", "/kpis", params={"period": month})
    classified = run.api.post(run.company.ops, "kpi", "/admin/classify", {"as_of": today().isoformat()})
    run.tally.add("customers classified A/B/C", len(classified.get("changes", [])))
    targets(run, next_month())
    return summary


def next_month() -> str:
    first = today().replace(day=1) + timedelta(days=32)
    return f"{first:%Y-%m}"


def targets(run: Run, month: str) -> None:
    """Next month's targets per rep (they stand once a month is under way: set by their supervisor
    before it starts) and one commission plan (the director's)."""
    for rep in run.company.reps.values():
        body = {"targets": [{"metric": "revenue", "target": "800000", "weight_percent": "50"},
                            {"metric": "win_rate", "target": "40", "weight_percent": "30"},
                            {"metric": "csat", "target": "4.5", "weight_percent": "20"}]}
        path = f"/scorecards/rep/{rep.user}/{month}"
        reply = run.api.call(run.company.supervisors[rep.team], "PUT", "kpi", path, json=body, expect=(200, 403, 409))
        if reply.status == 403:  # the KPIs know a rep's team from their events: none yet, so the director
            reply = run.api.call(run.company.director, "PUT", "kpi", path, json=body, expect=(200, 409))
        # 409: an earlier run set them (a second PUT of the same card is refused as a duplicate).
        run.tally.add("scorecard targets set" if reply.status == 200 else "scorecard targets already set")
    name = f"销售提成方案 Standard {month}"
    plan = run.api.call(run.company.director, "POST", "kpi", "/commission-plans", expect=(201, 409), json={
        "name": name, "components": [
            {"basis": "revenue", "tiers": [{"from_attainment_percent": "0", "rate_percent": "2"},
                                           {"from_attainment_percent": "100", "rate_percent": "4"}]},
            {"basis": "gross_profit", "tiers": [{"from_attainment_percent": "0", "rate_percent": "3"}]}],
        "bonuses": [{"period_kind": "month", "basis": "revenue", "threshold_attainment_percent": "100",
                     "amount": "3000"}]})
    if plan.status == 201:
        run.tally.add("commission plans")
        for rep in run.company.reps.values():
            run.api.call(run.company.director, "POST", "kpi", f"/commission-plans/{plan.body['id']}/assignments",
                         expect=(201, 409), json={"rep_id": rep.user, "valid_from": f"{month}-01"})


# -- the bus: the storefront and the mailbox ----------------------------------------------------------------------
class BusParties:
    """Two outside parties on the stack's bus, configured like the stack (BUS_URL, BUS_NAMESPACE,
    SALESLOOP_DATA_DIR): the storefront publishing orders, and the customers' mailbox."""

    def __init__(self):
        from kombu import Queue, binding

        from salesloop.config import load_settings
        from salesloop.messaging.bus import Bus

        self.settings = load_settings("orders")
        self.bus = Bus(self.settings)
        self._check_same_bus()
        self.connection = self.bus.connect()
        self.channel = self.connection.channel()
        arguments = {"x-expires": 15 * 60 * 1000} if self.bus.is_amqp else {}  # gone if a run dies
        self.queue = Queue(f"{self.settings.bus_namespace}{MAILBOX_QUEUE}", durable=False,
                           bindings=[binding(self.bus.exchange, routing_key=SURVEY_SENT)],
                           queue_arguments=arguments)(self.channel)
        self.bus.declare_exchange(self.connection)
        self.queue.declare()
        self.queue.purge()  # what an earlier run left: its links are stale for this run's counting
        self.received: list[dict] = []

    def _check_same_bus(self) -> None:
        """On the embedded bus, a demo started elsewhere would talk to an empty folder: say so."""
        if not self.bus.url.startswith("filesystem://"):
            return
        folder = Path(urlparse(self.bus.url).path)
        if not (folder / "control" / f"{self.settings.exchange}.exchange").exists():
            raise SystemExit(f"no Salesloop exchange in {folder}: run the demo from the directory `make run` runs in "
                             "(or give it the stack's SALESLOOP_DATA_DIR / BUS_URL / BUS_NAMESPACE)")

    def mailbox_events(self) -> list[dict]:
        while (message := self.queue.get(no_ack=True, accept=None)) is not None:
            body = message.body
            self.received.append(json.loads(body) if isinstance(body, (bytes, str)) else body)
        return self.received

    def place_storefront_order(self, data: dict) -> None:
        placed = datetime.fromisoformat(data["placed_at"])
        event = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/storefront",
                 "type": STOREFRONT_ORDER_PLACED, "time": placed.isoformat(), "subject": data["storefront_order_id"],
                 "datacontenttype": "application/json",
                 "dataschema": f"urn:salesloop:event:{STOREFRONT_ORDER_PLACED}:v1", "data": data}
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        traceparent = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
        if self.bus.is_amqp:
            try:
                self._publish_with_pika(event, body, traceparent)
            except Exception as exc:  # unroutable (no orders worker), nacked, unreachable
                raise DemoError(f"the storefront could not publish {data['storefront_order_id']}: {exc!r}") from exc
        else:
            from kombu import Producer

            Producer(self.channel).publish(body, exchange=self.bus.exchange, routing_key=STOREFRONT_ORDER_PLACED,
                                           headers={"traceparent": traceparent}, delivery_mode=2,
                                           content_type="application/cloudevents+json", content_encoding="utf-8",
                                           message_id=event["id"])

    def _publish_with_pika(self, event: dict, body: bytes, traceparent: str) -> None:
        """As the storefront's own code does (services/orders/examples/storefront_publisher.py)."""
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(pika_url(self.settings.bus_url)))
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            properties = pika.BasicProperties(
                content_type="application/cloudevents+json", content_encoding="utf-8",
                delivery_mode=pika.DeliveryMode.Persistent, message_id=event["id"], type=STOREFRONT_ORDER_PLACED,
                app_id="storefront", headers={"traceparent": traceparent})
            channel.basic_publish(self.settings.exchange, STOREFRONT_ORDER_PLACED, body, properties, mandatory=True)
        finally:
            connection.close()

    def close(self) -> None:
        try:
            self.queue.purge()
            self.queue.delete()  # on the filesystem bus this also unbinds it from the exchange
        finally:
            self.connection.release()


def pika_url(amqp_url: str) -> str:
    """kombu's ``amqp://…//`` spelling of the default vhost is pika's ``/%2F``."""
    parsed = urlparse(amqp_url)
    vhost = parsed.path[1:] if parsed.path not in ("", "/") else "/"
    netloc = parsed.netloc or "guest:guest@localhost:5672"
    return f"amqp://{netloc}/{quote(unquote(vhost), safe='')}"


# -- the summary ----------------------------------------------------------------------------------------------------
def summary(run: Run, kpi: dict | None) -> None:
    print("\nCreated in this run:")
    for key, count in sorted(run.tally.counts.items()):
        if count:
            print(f"  {key:<44} {count}")
    print("\nNow in the stack:")
    in_the_stack(run, kpi)
    where_to_look(run)


def in_the_stack(run: Run, kpi: dict | None) -> None:
    api, director, ops, admin = run.api, run.company.director, run.company.ops, run.company.admin

    def line(label: str, service: str, path: str, key: str, values) -> None:
        reader = ops if service == "orders" else director
        counts = (f"{value} {api.total(reader, service, path, **{key: value})}" for value in values)
        print(f"  {label:<7}" + ", ".join(counts))

    line("leads", "leads", "/leads", "status", ("assigned", "contacted", "qualified", "converted", "disqualified"))
    pool = api.total(director, "leads", "/leads", unassigned="true")
    print(f"  {'':<7}in the pool (no rep serves the region) {pool}")
    line("deals", "deals", "/deals", "stage", ("qualification", "needs_analysis", "proposal", "negotiation",
                                               "contract_review", "won", "lost"))
    line("orders", "orders", "/orders", "status", tuple(ORDER_STATES))
    desk = {"tickets": api.total(admin, "service-desk", "/tickets"),
            "surveys": api.total(admin, "service-desk", "/surveys"),
            "answered": api.total(admin, "service-desk", "/surveys", answered="true"),
            "interactions": api.total(admin, "service-desk", "/interactions"),
            "violating": api.total(admin, "service-desk", "/interactions", has_violations="true")}
    print(f"  desk   tickets {desk['tickets']}, surveys answered {desk['answered']} of {desk['surveys']}, "
          f"interactions {desk['interactions']} ({desk['violating']} with compliance violations)")
    if kpi:
        metrics = kpi["metrics"]
        shown = ("revenue", "gross_profit", "orders", "win_rate", "csat", "nps", "compliance_violations")
        print(f"  kpi    this month in {kpi.get('currency')}: " + ", ".join(
            f"{name} {metrics[name]['value']}" for name in shown if name in metrics))


def where_to_look(run: Run) -> None:
    url, month, year = run.api.urls, f"{today():%Y-%m}", f"{today():%Y}"
    print(f"""
Where to look — every API wants a token: TOKEN=$(make -s token ROLE=director)
then curl -H "Authorization: Bearer $TOKEN" <url>  (a manager: make -s token ROLE=manager REGION=east)
  leads         {url['leads']}/leads?sort=-score   {url['leads']}/reps
  deals         {url['deals']}/deals?stage=negotiation   {url['deals']}/forecast
  contracts     {url['deals']}/contracts?status=in_review   (a manager's review queue)
  orders        {url['orders']}/orders?status=disputed   {url['orders']}/overdue-stages
  service desk  {url['service-desk']}/tickets?type=complaint&overdue=true
                {url['service-desk']}/interactions?has_violations=true
  KPIs          {url['kpi']}/kpis?period={month}
                {url['kpi']}/kpis/breakdown?metric=revenue&by=rep&period={month}
                {url['kpi']}/kpis/trend/chart?metric=contacts&period={year}&every=month  (SVG)
                {url['kpi']}/reports/{month}?format=csv
  API docs      {url['leads']}/docs (each service; the document itself at /openapi.json)
  public        {url['service-desk']}/faq?q={quote("发票")}   (the FAQ search for 发票, percent-encoded for curl)""")
    if run.unanswered:
        print(f"  a survey link nobody answered yet (as the customer got it): {run.unanswered[0]}")
    console_at(run)


def console_at(run: Run) -> None:
    """The console (make run starts it on the port before leads') and whom to sign in as."""
    leads = urlsplit(run.api.urls["leads"])
    console = f"{leads.scheme}://{leads.hostname}:{(leads.port or 80) - 1}"
    manager = next(iter(run.company.managers.values()))
    rep = next(iter(run.company.reps.values()))
    print(f"""  console       {console}/  (development sign-in, e.g. manager {manager.user} region {manager.region};
                rep {rep.user} team {rep.team} region {rep.region}; ops {run.company.ops.user}; admin {run.company.admin.user})""")


# -- main -----------------------------------------------------------------------------------------------------------
def service_urls(args) -> dict[str, str]:
    urls = {service: f"http://{args.host}:{args.base_port + offset}" for offset, service in enumerate(SERVICES)}
    for given in args.url or []:
        service, _, url = given.partition("=")
        if service not in urls or not url:
            raise SystemExit(f"--url takes SERVICE=URL with SERVICE one of {', '.join(SERVICES)}")
        urls[service] = url.rstrip("/")
    return urls


def check_ready(urls: dict[str, str]) -> None:
    down = []
    for service, url in urls.items():
        try:
            if requests.get(f"{url}/readyz", timeout=5).status_code != 200:
                down.append(f"{service} ({url}/readyz not ready)")
        except requests.RequestException:
            down.append(f"{service} ({url} not answering)")
    if down:
        raise SystemExit("the stack is not running: " + "; ".join(down) + "\nstart it with `make run`, then retry")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-port", type=int, default=8001, help="leads' port; the others follow (default 8001)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--url", action="append", metavar="SERVICE=URL", help="one service elsewhere (repeatable)")
    parser.add_argument("--seed", type=int, default=None, help="the same seed draws the same data set")
    parser.add_argument("--leads", type=int, default=300, help="leads captured one by one (default 300)")
    parser.add_argument("--workers", type=int, default=6, help="journeys worked at once (default 6)")
    parser.add_argument("--event-timeout", type=float, default=90, help="seconds to wait for each event hop")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    urls = service_urls(args)
    check_ready(urls)
    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    tally = Tally()
    parties = BusParties()
    run = Run(Api(urls, tally), Company(), str(seed), tally, max(1, args.workers), parties, args.event_timeout)
    print(f"salesloop demo: seed {seed} (repeat with --seed {seed}), {args.leads} leads", flush=True)
    kpi = None
    try:
        run.step("set-up: exchange rates, 12 reps in 3 teams, FAQ")
        set_up(run)
        plan = make_plan(run.seed, args.leads, max(6, args.leads // 40), max(3, args.leads // 60))
        run.step(f"a CSV import of {len(plan.imported)} leads nobody has worked yet (graded and assigned), "
                 "web-form sign-ups")
        import_csv(run, plan.imported)
        web_forms(run)
        run.step(f"{len(plan.tracked)} leads captured and worked, each through its deal, contract and order; "
                 f"{len(plan.phone_states)} phone and {len(plan.storefront_states)} storefront orders")
        journeys(run, plan)
        show_duplicates(run, plan.tracked)
        supervise(run, plan.tracked)
        request_changes(run)
        run.step("service desk: tickets, interactions, QA reviews")
        service_desk(run, max(16, args.leads // 12))
        run.step("customers answer their survey links")
        answer_surveys(run)
        run.step("KPIs: waiting for the figures, ABC classes, targets, commission plan")
        kpi = kpis(run)
    except DemoError as exc:
        tally.problem(str(exc))
    finally:
        parties.close()
    run.step(f"done: {tally.requests} requests ({tally.retries} retried after a conflict)")
    summary(run, kpi)
    if tally.problems:
        print(f"\n{len(tally.problems)} problem(s):", file=sys.stderr)
        for problem in tally.problems[:20]:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
