"""The SLA policy book: read the version in force, publish a new one."""
from __future__ import annotations

from salesloop.web.auth import Principal

from service_desk.config import DeskConfig
from service_desk.domain.sla_policies import SlaPolicyBook
from service_desk.repository import add_policy_book, current_policy_book


def current_policies(uow, desk: DeskConfig) -> tuple[int, SlaPolicyBook]:
    return current_policy_book(uow, desk.initial_policies)


def replace_policies(uow, desk: DeskConfig, principal: Principal, config: dict) -> tuple[int, SlaPolicyBook]:
    """A new version; tickets already open keep the version they were opened under."""
    book = SlaPolicyBook.from_dict(config)
    return add_policy_book(uow, book, principal.user, desk.initial_policies), book
