"""The five services' public APIs, called with the signed-in person's own token.

The console adds no access of its own: every answer is what the APIs give that
person, scopes and masking included. An API's refusal becomes a clear page.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app, g

from console.session import current_token


@dataclass
class UpstreamError(Exception):
    service: str
    status: int
    title: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.service}: {self.status} {self.title}"


class Upstream:
    def __init__(self, urls: dict[str, str], token: str | None, timeout: float,
                 http: requests.Session | None = None):
        self.urls, self.token, self.timeout = urls, token, timeout
        self.http = http or requests.Session()

    def request(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.http.request(method, self.urls[service] + path, headers=headers, timeout=self.timeout,
                                         **kwargs)
        except requests.RequestException as exc:
            raise UpstreamError(service, 503, "Service unavailable", f"{service} did not answer: "
                                f"{type(exc).__name__}") from None
        if response.status_code >= 400:
            problem = _problem(response)
            raise UpstreamError(service, response.status_code, problem.get("title") or response.reason,
                                problem.get("detail") or "")
        return response.json() if response.content and "json" in response.headers.get("Content-Type", "") \
            else response.text

    def get(self, service: str, path: str, **params: Any) -> Any:
        return self.request("GET", service, path, params={k: v for k, v in params.items() if v is not None})

    def post(self, service: str, path: str, body: dict | None = None) -> Any:
        return self.request("POST", service, path, json=body or {})

    def try_get(self, service: str, path: str, **params: Any) -> tuple[Any, UpstreamError | None]:
        """For a page made of several answers: one refusal shows where it belongs, not instead of the page."""
        try:
            return self.get(service, path, **params), None
        except UpstreamError as exc:
            return None, exc

    def items(self, service: str, path: str, **params: Any) -> list:
        """A list endpoint's items, whichever list shape the service answers with."""
        answer = self.get(service, path, **params)
        return answer["items"] if isinstance(answer, dict) and "items" in answer else answer


def _problem(response: requests.Response) -> dict:
    try:
        body = response.json()
        return body if isinstance(body, dict) else {}
    except ValueError:
        return {}


def upstream() -> Upstream:
    """The request's client, bound to the signed-in person's token."""
    if "upstream" not in g:
        config = current_app.extensions["console"]
        # A test hands in a session that reaches the services in-process (console_http).
        session_factory = current_app.extensions.get("console_http")
        g.upstream = Upstream(config.service_urls, current_token(), config.timeout,
                              session_factory() if session_factory else None)
    return g.upstream
