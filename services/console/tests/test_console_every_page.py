"""Every page of the console, found from its URL map so that a new page is covered
the day it is added: without a session or with an expired one it asks to sign in and
reads nothing; with nonsense in its query or path it answers a clear page, never a
traceback, and writes nothing."""
from __future__ import annotations

import pytest

from console.app import create_app
from console.config import ConsoleConfig

OPEN = {"/login", "/healthz", "/readyz", "/static/<path:filename>"}
SAMPLE_ARGUMENTS = {"rep_id": "r-1", "period": "2026-12", "kind": "order", "record_id": "o-1",
                    "service": "orders", "action": "replay"}
NONSENSE = {"rep_id": "%00%ff", "period": "9999-99", "kind": "%3Cscript%3E", "record_id": "'%3B--",
            "service": "nowhere", "action": "drop"}
NONSENSE_QUERY = "?period=13-2026&metric=%3Cscript%3E&by=%00&page=99999999999999999999&year=-1"


def _pages() -> list[tuple[str, str]]:
    app = create_app(ConsoleConfig(secret_key="x" * 40, production=False, service_urls={}))
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule not in OPEN
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def _path(rule: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        rule = rule.replace(f"<{name}>", value)
    assert "<" not in rule, f"name a sample value for {rule}"
    return rule


PAGES = [page for page in _pages() if page[1] not in ("/login/dev", "/logout")]


@pytest.mark.parametrize(("method", "rule"), PAGES, ids=[f"{m} {r}" for m, r in PAGES])
def test_without_a_session_a_page_asks_to_sign_in_and_reads_nothing(browser_client, network, method, rule):
    response = browser_client.open(_path(rule, SAMPLE_ARGUMENTS), method=method)
    assert response.status_code in (302, 400, 403), response.status_code  # a POST without CSRF may stop first
    if response.status_code == 302:
        assert response.location.startswith("/login")
    assert network.calls == []


@pytest.mark.parametrize(("method", "rule"), PAGES, ids=[f"{m} {r}" for m, r in PAGES])
def test_with_an_expired_session_a_page_asks_to_sign_in_again(company, signed_in, network, method, rule):
    client = signed_in("admin", "u-1", "team-1", "east")
    with client.session_transaction() as session:
        session["expires"] = 0
    network.calls.clear()
    response = client.open(_path(rule, SAMPLE_ARGUMENTS), method=method)
    assert response.status_code in (302, 400, 403)
    assert network.calls == []


@pytest.mark.parametrize(("method", "rule"), PAGES, ids=[f"{m} {r}" for m, r in PAGES])
def test_nonsense_in_a_page_s_address_is_a_clear_page_and_writes_nothing(company, signed_in, network, method, rule):
    client = signed_in("admin", "u-1", "team-1", "east")
    network.calls.clear()
    response = client.open(_path(rule, NONSENSE) + NONSENSE_QUERY, method=method)
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:400]
    assert "Traceback" not in body and "<script>" not in body
    assert [call for call in network.calls if call[0] != "GET"] == []
