"""What every view reaches for: the desk's configuration, the caller, the clock."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app

from salesloop.web.app import uow
from salesloop.web.auth import current_principal

from service_desk.config import DeskConfig
from service_desk.schemas import TicketPresenter

# Who may do what (admin always passes require_roles).
AGENTS = ("cs_agent", "supervisor", "manager", "director")
SUPERVISORS = ("supervisor", "manager", "director")
POLICY_OWNERS = ("manager", "director")
TICKET_OPENERS = (*AGENTS, "service", "ops")  # "service": a web form or chat front end



def desk() -> DeskConfig:
    return current_app.extensions["service_desk"]


def now() -> datetime:
    return datetime.now(timezone.utc)


def tickets_presenter() -> TicketPresenter:
    return TicketPresenter(uow(), desk(), current_principal(), now())


def committed(result):
    """Commit the request's unit of work and hand back what the command made."""
    uow().commit()
    return result
