"""A small HTTP client of the stack, as a person with a role would use it, and
polling with clear timeouts (the loop is asynchronous between services)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

import requests

from salesloop.config import load_settings
from salesloop.web.auth import issue_token

SESSION = requests.Session()  # keep-alive: one TCP connection per API, not one per call
CONFLICT_RETRIES = 3


def _retryable_conflict(response, body) -> bool:
    return (response.status_code == 409 and isinstance(body, dict)
            and str(body.get("type", "")).endswith("/concurrent-change"))


class UnexpectedStatus(AssertionError):
    pass


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict


class Client:
    """One person: a user id, roles, team and region, with a development token."""

    def __init__(self, stack, user: str, roles: list[str] | str, *, team: str | None = None,
                 region: str | None = None):
        self.stack = stack
        self.user = user
        roles = [roles] if isinstance(roles, str) else list(roles)
        # The services run with the development secret (or the runner's JWT_SECRET, which they inherit).
        self.token = issue_token(load_settings("leads"), user, roles, team=team, region=region)

    def call(self, method: str, service: str, path: str, *, json=None, params=None, expect: int | tuple = 200,
             auth: bool = True, headers: dict | None = None) -> Answer:
        expected = expect if isinstance(expect, tuple) else (expect,)
        for attempt in range(1, CONFLICT_RETRIES + 2):
            response, body = self._send(method, service, path, json, params, auth, headers)
            if not (_retryable_conflict(response, body) and 409 not in expected and attempt <= CONFLICT_RETRIES):
                break
            # The problem says "try again" and nothing was written: a client does. The stack keeps a
            # record, because a lone client should never meet a concurrent change (see the loop test).
            self.stack.conflicts.append(f"{method} {service}{path}: {body.get('detail')}")
            time.sleep(0.05 * attempt)
        if response.status_code not in expected:
            raise UnexpectedStatus(f"{method} {service}{path} as {self.user}: expected {expect}, got "
                                   f"{response.status_code}: {body}\n  sent: {json}")
        return Answer(response.status_code, body, dict(response.headers))

    def _send(self, method, service, path, json, params, auth, headers):
        sent = {**(headers or {})}
        if auth:
            sent["Authorization"] = f"Bearer {self.token}"
        response = SESSION.request(method, f"{self.stack.url(service)}{path}", json=json, params=params,
                                   headers=sent, timeout=30)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return response, body

    def get(self, service: str, path: str, **kwargs) -> Any:
        return self.call("GET", service, path, **kwargs).body

    def post(self, service: str, path: str, json=None, *, expect: int | tuple = 200, **kwargs) -> Any:
        return self.call("POST", service, path, json={} if json is None else json, expect=expect, **kwargs).body

    def put(self, service: str, path: str, json=None, *, expect: int | tuple = 200, **kwargs) -> Any:
        return self.call("PUT", service, path, json=json, expect=expect, **kwargs).body

    def patch(self, service: str, path: str, json=None, *, expect: int | tuple = 200, **kwargs) -> Any:
        return self.call("PATCH", service, path, json=json, expect=expect, **kwargs).body


def eventually(probe: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1, stack=None) -> Any:
    """Poll ``probe`` until it returns something truthy; fail naming what never happened.

    The probe may raise AssertionError while it waits (an API that says 404 for
    now); the last value or error is in the failure message, with the tail of
    the logs of any process that died meanwhile.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = probe()
            if last:
                return last
        except AssertionError as error:
            last = error
        if stack is not None:
            stack.check_alive()
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {last!r}")
        time.sleep(every)


def items(page) -> list:
    """A list answer, whichever shape the service gives it ({items: [...]} or [...])."""
    return page["items"] if isinstance(page, dict) and "items" in page else page
