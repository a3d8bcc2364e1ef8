"""Hostile input is a 422 at the door, for every route: no server error, nothing
written (DESIGN.md §4: bad input gets a clear error)."""
import json

import pytest

from demo_service import alpha_spec, app_factory, count


@pytest.fixture
def alpha(service_harness):
    return service_harness(alpha_spec(), app_factory)


def assert_refused(response, where):
    assert response.status_code == 422, response.data
    assert response.mimetype == "application/problem+json"
    assert where in response.json["errors"], response.json


def test_a_nul_character_in_a_body_is_a_422_and_writes_nothing(alpha):
    assert_refused(alpha.post("/notes", json={"text": "before\u0000after"}), "$.text")
    assert count(alpha.runtime, "notes") == 0 and alpha.published() == []


def test_control_characters_in_a_query_are_a_422(alpha):
    assert_refused(alpha.get("/notes?owner=a%01b"), "owner")
    assert_refused(alpha.get("/notes?x%00=1"), "query")


def test_tabs_and_newlines_are_ordinary_text(alpha):
    assert alpha.post("/notes", json={"text": "line one\n\tline two\r\n"}).status_code == 201


def test_json_nested_deeper_than_any_document_is_a_422(alpha):
    deep = {"text": "x", "amount": None}
    node = deep
    for _ in range(40):
        node["more"] = {}
        node = node["more"]
    assert alpha.post("/notes", json=deep).status_code == 422


def test_json_nested_past_the_parser_is_a_422_not_a_500(alpha):
    body = "[" * 100_000 + "]" * 100_000
    response = alpha.post("/notes", data=body, content_type="application/json")
    assert response.status_code in (400, 413, 422) and response.mimetype == "application/problem+json"


def test_every_answer_carries_the_security_headers(alpha):
    response = alpha.post("/notes", json={"text": "fine"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"  # the caller's own data
    assert alpha.get("/openapi.json", role=None).headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.integration
def test_a_value_the_database_cannot_hold_is_a_422_and_writes_nothing(service_harness, postgres_url):
    alpha = service_harness(alpha_spec(), app_factory, database_url=postgres_url)
    response = alpha.post("/notes", json={"text": "too long an amount", "amount": "1" * 40})
    assert response.status_code == 422, response.data
    assert json.loads(response.data)["detail"] == "A text is longer than its field holds."
    assert count(alpha.runtime, "notes") == 0 and alpha.published() == []


def test_an_unknown_query_parameter_is_refused_like_an_unknown_body_field(alpha):
    alpha.post("/notes", json={"text": "mine"})
    assert len(alpha.get("/notes?author=u-1").json) == 1
    assert_refused(alpha.get("/notes?autor=u-1"), "autor")  # misspelt: not "every note"


def test_a_patch_that_changes_nothing_is_a_422(alpha):
    note_id = alpha.post("/notes", json={"text": "mine"}).json["id"]
    assert_refused(alpha.patch(f"/notes/{note_id}", json={}), "$")
    assert_refused(alpha.patch(f"/notes/{note_id}"), "$")
    assert alpha.patch(f"/notes/{note_id}", json={"text": "changed"}).status_code == 200
