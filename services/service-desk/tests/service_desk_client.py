"""Shared values for the service desk's tests: a fixed business calendar and callers.

Calendar (Asia/Shanghai): Mon-Fri 09:00-12:00 and 13:30-18:00 (7.5 h a day).
2026-11-02 is a Monday; 2026-11-12..14 are holidays and Sunday 2026-11-15 is a
make-up workday. Dates are recent on purpose: a ticket's live SLA status counts
business time up to now, day by day. The SLA book is the default one (complaint/normal: first
response 2 h, resolution 16 h of business time; level 1 → supervisor at the
breach, level 2 → manager 4 h later).
"""
from datetime import datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
CALENDAR = {
    "timezone": "Asia/Shanghai",
    "hours": ["09:00", "18:00"],
    "lunch_break": ["12:00", "13:30"],
    "holidays": ["2026-11-12/2026-11-14"],
    "extra_working_days": ["2026-11-15"],
}
AGENT = {"role": "cs_agent", "user": "agent-1", "team": "care-1", "region": "east"}
OTHER_AGENT = {"role": "cs_agent", "user": "agent-2", "team": "care-2", "region": "west"}
SUPERVISOR = {"role": "supervisor", "user": "sup-1", "team": "care-1", "region": "east"}
MANAGER = {"role": "manager", "user": "mgr-1", "team": "care-1", "region": "east"}


def sh(month, day, hour, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def data_of(harness, event_type):
    """The data of each event of this type the service wrote to its outbox, oldest first."""
    return [envelope["data"] for envelope in harness.published(event_type)]


def delivered_order(**changes) -> dict:
    """An ``orders.order.delivered`` payload as the orders service publishes it; a test
    names only what it is about."""
    return {
        "order_id": "O-100", "order_number": "SO-2026-0100", "customer_id": "C-7", "customer_name": "华东机电",
        "customer_contact": {"name": "李工", "phone": "13900001111", "email": "li@hd.example.com"},
        "rep_id": "rep-3", "team": "sales-1", "region": "east", "currency": "CNY", "fx_rate": "1",
        "total_amount": "1200.00", "status": "delivered", "delivered_at": "2026-11-20T06:00:00+00:00",
        "occurred_at": "2026-11-20T06:00:00+00:00", "items": [], **changes,
    }
