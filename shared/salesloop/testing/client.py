"""The base of every service's test client: a service's API driven as a client
would, with one-line status checks, so a test reads as the steps a user takes.

    class OrdersClient(ServiceClient):
        def place_phone_order(self, who=REP, **fields):
            return self.ok(self.post("/orders", json={...}, who=who), 201)

A service's client adds its happy-path steps; everything here is the same for all.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from salesloop.testing.harness import ServiceHarness
from salesloop.testing.identities import ADMIN

if TYPE_CHECKING:
    from werkzeug.test import TestResponse

    from salesloop.messaging.processor import Outcome

PROBLEM_JSON = "application/problem+json"


class ServiceClient:
    def __init__(self, harness: ServiceHarness):
        self.harness = harness

    # -- requests: ``who`` is an identity from salesloop.testing.identities ---------------
    def request(self, method: str, path: str, *, who: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.harness.request(method, path, **(ADMIN if who is None else who), **kwargs)

    def get(self, path: str, *, who: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, who=who, **kwargs)

    def post(self, path: str, *, who: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, who=who, **kwargs)

    def put(self, path: str, *, who: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, who=who, **kwargs)

    def patch(self, path: str, *, who: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, who=who, **kwargs)

    def delete(self, path: str, *, who: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, who=who, **kwargs)

    # -- answers ----------------------------------------------------------------------
    @staticmethod
    def ok(response: TestResponse, status: int = 200) -> Any:
        """The JSON body of a response that must have this status."""
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:2000])
        return response.get_json()

    @staticmethod
    def problem(response: TestResponse, status: int) -> dict[str, Any]:
        """The problem+json body of an error response that must have this status."""
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:2000])
        assert response.mimetype == PROBLEM_JSON, response.mimetype
        return cast("dict[str, Any]", response.get_json())

    # -- events -----------------------------------------------------------------------
    def deliver(self, event_type: str, data: dict[str, Any], **envelope_kwargs: Any) -> Outcome:
        return self.harness.deliver(event_type, data, **envelope_kwargs)

    def published(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return self.harness.published(event_type)

    def published_data(self, event_type: str) -> list[dict[str, Any]]:
        """The ``data`` of each event of this type the service wrote to its outbox."""
        return [envelope["data"] for envelope in self.published(event_type)]

    def run_sweeps(self, now: datetime | None = None) -> None:
        self.harness.run_sweeps(now)
