"""A service under test in a few lines: its app, its handlers and its outbox.

    harness = service_harness(spec)            # SQLite file + in-memory bus
    harness.post("/leads", json={...}, role="rep")
    harness.deliver("deals.contract.signed", {...})
    assert harness.published("orders.order.created")
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from salesloop.config import load_settings
from salesloop.messaging.envelope import Envelope
from salesloop.messaging.tables import OUTBOX
from salesloop.service import Runtime, ServiceSpec
from salesloop.web.auth import issue_token

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.test import TestResponse

    from salesloop.config import Settings
    from salesloop.messaging.processor import Outcome


class ServiceHarness:
    def __init__(self, spec: ServiceSpec, app_factory: Callable[[Runtime], Flask], *, database_url: str,
                 bus_url: str = "memory://", namespace: str | None = None, migrate: bool = False,
                 **overrides: Any) -> None:
        settings = load_settings(spec.name, database_url=database_url, bus_url=bus_url,
                                 bus_namespace=namespace or f"t{uuid.uuid4().hex[:8]}.", **overrides)
        self.spec = spec
        self.runtime = Runtime(spec, settings)
        if migrate and spec.migrations:
            from salesloop.migrations import upgrade

            upgrade(spec.migrations, database_url)
        else:
            self.runtime.create_schema()
        self.app = app_factory(self.runtime)
        self.client = self.app.test_client()

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    # -- HTTP -------------------------------------------------------------------------
    def token(self, role: str = "rep", user: str = "u-1", *, team: str | None = "team-1",
              region: str | None = "east", roles: list[str] | None = None) -> str:
        # For this service alone: a test that passes shows the service accepts its own audience.
        return issue_token(self.settings, user, [role] if roles is None else roles, team=team, region=region,
                           audience=self.settings.expected_audience)

    def headers(self, role: str = "rep", user: str = "u-1", **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, user, **claims)}"}

    def request(self, method: str, path: str, *, role: str | None = "admin", user: str = "u-1",
                team: str | None = "team-1", region: str | None = "east", roles: list[str] | None = None,
                headers: Mapping[str, str] | None = None, **kwargs: Any) -> TestResponse:
        """``role=None`` sends no token; ``roles=[]`` a token with no role at all."""
        all_headers = dict(headers or {})
        if role is not None:
            all_headers.update(self.headers(role, user, team=team, region=region, roles=roles))
        return self.client.open(path, method=method, headers=all_headers, **kwargs)

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> TestResponse:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> TestResponse:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> TestResponse:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> TestResponse:
        return self.request("DELETE", path, **kw)

    # -- events -------------------------------------------------------------------------
    def envelope(self, event_type: str, data: dict[str, Any], *, event_id: str | None = None,
                 source: str = "/salesloop/test", time: datetime | None = None,
                 subject: str | None = None) -> Envelope:
        return Envelope(type=event_type, source=source, data=data, id=event_id or str(uuid.uuid4()),
                        time=(time or datetime.now(timezone.utc)).isoformat(), subject=subject)

    def deliver(self, event_type: str, data: dict[str, Any], **envelope_kwargs: Any) -> Outcome:
        """Hand an event to the service's handler, as the worker would (inbox included)."""
        envelope = self.envelope(event_type, data, **envelope_kwargs)
        return self.runtime.processor().process(envelope.to_json())

    def deliver_envelope(self, envelope: Envelope) -> Outcome:
        return self.runtime.processor().process(envelope.to_json())

    def published(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Events this service wrote to its outbox, oldest first (envelopes as dicts)."""
        outbox = self.spec.metadata.tables[OUTBOX]
        query = select(outbox.c.envelope).order_by(outbox.c.id)
        if event_type:
            query = query.where(outbox.c.event_type == event_type)
        with self.runtime.database.session() as session:
            return [json.loads(row.envelope) for row in session.execute(query)]

    def run_sweeps(self, now: datetime | None = None) -> None:
        for sweep in self.spec.sweeps(self.runtime):
            uow = self.runtime.uow()
            try:
                sweep.run(uow, now or datetime.now(timezone.utc))
                uow.commit()
            finally:
                uow.close()

    def close(self) -> None:
        self.runtime.database.dispose()
