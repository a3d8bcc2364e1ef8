"""Tickets: inquiries, complaints and technical issues from every channel.

Lifecycle::

    open → in_progress ⇄ waiting_on_customer
           in_progress → resolved → closed (with the customer's verdict)
           resolved | closed → in_progress   (reopen, counted)

The first response sets ``responded_at`` once. Asking the customer for
information (waiting_on_customer) and sending the resolution are responses too,
so they set it when nobody has responded yet.

Reopening: the resolution clock restarts from the reopening by default (see
``ReopenRule`` in sla.py, configurable per policy book); the first-response
target stays met.

Each state change appends a domain event to ``events``; the application layer
takes them with ``pull_events()`` and writes them to the outbox in the same
transaction as the ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from salesloop.calendar import BusinessCalendar

from .errors import IllegalTransition, RuleViolation
from .sla import ClockMode, Priority, SlaClock, SlaPolicy, TicketType
from .sla_policies import SlaPolicyBook
from .status import StatusChange, TicketStatus

SUBJECT_MAX_LENGTH = 200
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


class Channel(StrEnum):
    PHONE = "phone"
    HOTLINE = "hotline"
    EMAIL = "email"
    CHAT = "chat"
    WEB = "web"
    SOCIAL = "social"
    STOREFRONT = "storefront"
    VISIT = "visit"


class Verdict(StrEnum):
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"


@dataclass(frozen=True)
class Compensation:
    """What the company gives the customer to make up for a fault."""

    amount: Decimal
    currency: str
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise RuleViolation("a compensation amount is a finite Decimal, never a float")
        if self.amount <= 0:
            raise RuleViolation("a compensation amount must be greater than zero")
        if not _CURRENCY_CODE.fullmatch(self.currency):
            raise RuleViolation(f"a currency is a three-letter ISO 4217 code such as CNY, got {self.currency!r}")
        if not self.reason.strip():
            raise RuleViolation("a compensation needs a reason")


@dataclass(frozen=True)
class Resolution:
    text: str
    resolved_by: str
    resolved_at: datetime
    compensation: Compensation | None = None
    agent_at_fault: str | None = None


@dataclass(frozen=True)
class InvestigationNote:
    author: str
    at: datetime
    text: str


# -- domain events (past tense) ----------------------------------------------------


@dataclass(frozen=True)
class TicketOpened:
    ticket_id: str
    at: datetime
    ticket_type: TicketType
    priority: Priority
    customer_id: str
    channel: Channel


@dataclass(frozen=True)
class TicketResponded:
    ticket_id: str
    at: datetime
    by: str | None


@dataclass(frozen=True)
class TicketResolved:
    ticket_id: str
    at: datetime
    resolution: Resolution
    reopen_count: int


@dataclass(frozen=True)
class TicketClosed:
    ticket_id: str
    at: datetime
    verdict: Verdict | None


@dataclass(frozen=True)
class TicketReopened:
    ticket_id: str
    at: datetime
    reopen_count: int
    reason: str


TicketEvent = TicketOpened | TicketResponded | TicketResolved | TicketClosed | TicketReopened


@dataclass(eq=False)
class Ticket:
    """The aggregate. Build a new one with ``Ticket.open``; persistence may build it field by field."""

    id: str
    ticket_type: TicketType
    priority: Priority
    customer_id: str
    channel: Channel
    subject: str
    description: str
    received_at: datetime
    order_id: str | None = None
    status: TicketStatus = TicketStatus.OPEN
    history: list[StatusChange] = field(default_factory=list)
    assignee: str | None = None
    responded_at: datetime | None = None
    resolutions: list[Resolution] = field(default_factory=list)
    verdict: Verdict | None = None
    reopen_count: int = 0
    notes: list[InvestigationNote] = field(default_factory=list)
    events: list[TicketEvent] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        *,
        id: str,
        ticket_type: TicketType,
        priority: Priority,
        customer_id: str,
        channel: Channel,
        subject: str,
        description: str,
        received_at: datetime,
        order_id: str | None = None,
    ) -> Ticket:
        _require_aware(received_at)
        subject = subject.strip()
        if not subject:
            raise RuleViolation("a ticket needs a subject")
        if len(subject) > SUBJECT_MAX_LENGTH:
            raise RuleViolation(f"a ticket subject has at most {SUBJECT_MAX_LENGTH} characters")
        ticket = cls(
            id=id,
            ticket_type=TicketType(ticket_type),
            priority=Priority(priority),
            customer_id=customer_id,
            channel=Channel(channel),
            subject=subject,
            description=description,
            received_at=received_at,
            order_id=order_id,
            history=[StatusChange(TicketStatus.OPEN, received_at)],
        )
        ticket.events.append(
            TicketOpened(id, received_at, ticket.ticket_type, ticket.priority, customer_id, ticket.channel)
        )
        return ticket

    # -- moves --------------------------------------------------------------------

    def start_work(self, at: datetime, agent_id: str | None = None) -> None:
        self._move(at, {TicketStatus.OPEN}, TicketStatus.IN_PROGRESS, "start work on")
        if agent_id is not None:
            self.assignee = agent_id

    def record_response(self, at: datetime, by: str | None = None) -> bool:
        """Log a reply to the customer; True when it was the first one (and set ``responded_at``)."""
        self._check_time(at)
        if self.status is TicketStatus.CLOSED:
            raise IllegalTransition(f"ticket {self.id} is closed: reopen it before replying")
        return self._mark_responded(at, by)

    def wait_on_customer(self, at: datetime) -> None:
        self._move(at, {TicketStatus.IN_PROGRESS}, TicketStatus.WAITING_ON_CUSTOMER, "wait on the customer for")
        self._mark_responded(at, self.assignee)

    def resume(self, at: datetime) -> None:
        """The customer came back: work (and the SLA clock) resumes."""
        self._move(at, {TicketStatus.WAITING_ON_CUSTOMER}, TicketStatus.IN_PROGRESS, "resume")

    def resolve(
        self,
        at: datetime,
        text: str,
        resolved_by: str,
        compensation: Compensation | None = None,
        agent_at_fault: str | None = None,
    ) -> Resolution:
        if not text.strip():
            raise RuleViolation("a resolution needs a text for the customer")
        self._move(at, {TicketStatus.IN_PROGRESS}, TicketStatus.RESOLVED, "resolve")
        self._mark_responded(at, resolved_by)
        resolution = Resolution(text.strip(), resolved_by, at, compensation, agent_at_fault)
        self.resolutions.append(resolution)
        self.events.append(TicketResolved(self.id, at, resolution, self.reopen_count))
        return resolution

    def close(self, at: datetime, verdict: Verdict | None) -> None:
        """Close with the customer's verdict, or None when the customer never gave one."""
        self._move(at, {TicketStatus.RESOLVED}, TicketStatus.CLOSED, "close")
        self.verdict = Verdict(verdict) if verdict is not None else None
        self.events.append(TicketClosed(self.id, at, self.verdict))

    def reopen(self, at: datetime, reason: str) -> None:
        if not reason.strip():
            raise RuleViolation("say why the ticket is reopened")
        self._move(at, {TicketStatus.RESOLVED, TicketStatus.CLOSED}, TicketStatus.IN_PROGRESS, "reopen")
        self.reopen_count += 1
        self.verdict = None
        self.events.append(TicketReopened(self.id, at, self.reopen_count, reason.strip()))

    def assign(self, agent_id: str) -> None:
        if self.status is TicketStatus.CLOSED:
            raise IllegalTransition(f"ticket {self.id} is closed and cannot be assigned")
        self.assignee = agent_id

    def add_note(self, at: datetime, author: str, text: str) -> InvestigationNote:
        _require_aware(at)
        if not text.strip():
            raise RuleViolation("an investigation note needs a text")
        note = InvestigationNote(author, at, text.strip())
        self.notes.append(note)
        return note

    # -- questions ----------------------------------------------------------------

    @property
    def resolution(self) -> Resolution | None:
        """The resolution in force: the latest one while resolved or closed."""
        return self.resolutions[-1] if self.status.is_done and self.resolutions else None

    def sla_clock(self, policies: SlaPolicyBook, calendar: BusinessCalendar) -> SlaClock:
        return SlaClock.for_ticket(
            policy=policies.policy_for(self.ticket_type, self.priority),
            business_calendar=calendar,
            received_at=self.received_at,
            history=self.history,
            responded_at=self.responded_at,
            reopen_rule=policies.reopen_rule,
        )

    def pull_events(self) -> list[TicketEvent]:
        events, self.events = self.events, []
        return events

    # -- internals ----------------------------------------------------------------

    def _move(self, at: datetime, allowed_from: set[TicketStatus], to: TicketStatus, verb: str) -> None:
        if self.status not in allowed_from:
            raise IllegalTransition(f"cannot {verb} ticket {self.id}: it is {self.status}")
        self._check_time(at)
        self.status = to
        self.history.append(StatusChange(to, at))

    def _check_time(self, at: datetime) -> None:
        # The SLA clock replays the history in order: a change dated before the
        # previous one would rewrite the past.
        _require_aware(at)
        last = self.history[-1].at if self.history else self.received_at
        if at < last:
            raise RuleViolation(f"{at.isoformat()} is before the ticket's last change ({last.isoformat()})")

    def _mark_responded(self, at: datetime, by: str | None) -> bool:
        if self.responded_at is not None:
            return False
        self.responded_at = at
        self.events.append(TicketResponded(self.id, at, by))
        return True


# -- what happens next (for the customer) --------------------------------------------

_ROLE_NAMES_ZH = {"supervisor": "主管", "manager": "经理", "director": "总监"}


@dataclass(frozen=True)
class NextStep:
    zh: str
    en: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class NextSteps:
    steps: tuple[NextStep, ...]

    def text(self, language: Literal["zh", "en"]) -> str:
        return "\n".join(f"{number}. {getattr(step, language)}" for number, step in enumerate(self.steps, start=1))


def complaint_next_steps(
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    received_at: datetime | None = None,
) -> NextSteps:
    """What a complainant is told happens next, with the times the policy promises.

    The rulebooks ask the desk to apologise at once and tell the customer the
    process and the expected times. With ``received_at`` the steps carry the
    latest dates, in the calendar's local time, assuming no pause.
    """
    if policy.ticket_type is not TicketType.COMPLAINT:
        raise RuleViolation(f"next steps are written for complaints, not for {policy.ticket_type}")
    clock_calendar = policy.calendar(calendar)
    first_due = clock_calendar.add(received_at, policy.first_response) if received_at else None
    resolution_due = clock_calendar.add(received_at, policy.resolution) if received_at else None
    zone = ZoneInfo(calendar.timezone)
    respond_zh, respond_en = _duration_zh(policy.first_response), _duration_en(policy.first_response)
    resolve_zh, resolve_en = _duration_zh(policy.resolution), _duration_en(policy.resolution)
    counted_zh, counted_en = _counting(policy.clock)
    steps = [
        NextStep(
            "受理登记：我们已收到并登记您的投诉，您可凭投诉编号查询处理进度。",
            "Registered: we have received and registered your complaint; quote its number to follow its progress.",
        ),
        NextStep(
            f"首次回复：客服专员将在{respond_zh}内{counted_zh}与您联系，向您致歉并确认情况"
            + _by_zh(first_due, zone) + "。",
            f"First response: an agent will contact you within {respond_en}{counted_en} "
            f"to apologise and confirm the details" + _by_en(first_due, zone) + ".",
            first_due,
        ),
        NextStep(
            "调查核实：我们将核实事实、与相关人员沟通并收集证据；如需您补充信息，等待您回复期间计时暂停。",
            "Investigation: we check the facts, talk to the staff involved and collect evidence; "
            "while we wait for information from you, the clock stops.",
        ),
        NextStep(
            f"处理与反馈：我们将在{resolve_zh}内{counted_zh}告知处理结果" + _by_zh(resolution_due, zone)
            + "；如给您造成损失，将按规定给予补偿。",
            f"Resolution: we will tell you the outcome within {resolve_en}{counted_en}"
            + _by_en(resolution_due, zone) + "; if you suffered a loss, we compensate you under our rules.",
            resolution_due,
        ),
    ]
    if policy.escalations:
        roles_zh = "、".join(_ROLE_NAMES_ZH.get(s.notify, s.notify) for s in policy.escalations)
        roles_en = ", then ".join(f"a {s.notify}" for s in policy.escalations)
        steps.append(NextStep(
            f"升级保障：如未能按时回复或解决，您的投诉将自动逐级升级至{roles_zh}。",
            f"Escalation: if we miss a deadline, your complaint goes automatically to {roles_en}.",
        ))
    steps.append(NextStep(
        "满意度回访：处理完成后我们将请您评价；如您不满意，投诉将重新打开处理。",
        "Follow-up: once resolved we ask for your verdict; if you are not satisfied, the complaint is reopened.",
    ))
    return NextSteps(tuple(steps))


def _counting(clock: ClockMode) -> tuple[str, str]:
    if clock is ClockMode.ALWAYS:
        return "（全天候计算，含节假日）", " around the clock"
    return "（按工作时间计算）", " of business time"


def _split(duration: timedelta) -> tuple[int, int]:
    minutes = int(duration.total_seconds() // 60)
    return divmod(minutes, 60)


def _duration_zh(duration: timedelta) -> str:
    hours, minutes = _split(duration)
    return (f"{hours}小时" if hours else "") + (f"{minutes}分钟" if minutes else "")


def _duration_en(duration: timedelta) -> str:
    hours, minutes = _split(duration)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if minutes:
        parts.append(f"{minutes} minute" + ("s" if minutes != 1 else ""))
    return " ".join(parts)


def _by_zh(due: datetime | None, zone: ZoneInfo) -> str:
    return f"（最迟 {due.astimezone(zone):%Y-%m-%d %H:%M}）" if due else ""


def _by_en(due: datetime | None, zone: ZoneInfo) -> str:
    return f" (by {due.astimezone(zone):%Y-%m-%d %H:%M} {zone.key})" if due else ""


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleViolation("times must be time zone aware datetimes")
