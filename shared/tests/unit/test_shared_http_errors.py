"""Bad input gets RFC 7807 problem+json with the right status, and writes nothing."""
import jwt
import pytest

from demo_service import alpha_spec, app_factory, count


@pytest.fixture
def alpha(service_harness):
    return service_harness(alpha_spec(), app_factory, max_content_length=2048)


def assert_problem(response, status):
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    return body


def assert_nothing_written(harness):
    assert count(harness.runtime, "notes") == 0
    assert harness.published() == []


def test_malformed_json_is_a_400(alpha):
    response = alpha.post("/notes", data="{not json", content_type="application/json")
    assert_problem(response, 400)
    assert_nothing_written(alpha)


def test_an_unknown_field_is_a_422_naming_it(alpha):
    body = assert_problem(alpha.post("/notes", json={"text": "x", "colour": "red"}), 422)
    assert body["errors"] == {"colour": ["Unknown field."]}
    assert_nothing_written(alpha)


def test_a_wrong_type_and_a_missing_field_are_422_with_field_messages(alpha):
    body = assert_problem(alpha.post("/notes", json={"amount": "lots"}), 422)
    assert set(body["errors"]) == {"text", "amount"}
    assert body["errors"]["text"] == ["Missing data for required field."]
    assert_nothing_written(alpha)


def test_an_oversized_body_is_a_413(alpha):
    response = alpha.post("/notes", json={"text": "x" * 5000})
    assert_problem(response, 413)
    assert_nothing_written(alpha)


def test_a_missing_token_is_a_401(alpha):
    assert_problem(alpha.post("/notes", json={"text": "x"}, role=None), 401)
    assert_nothing_written(alpha)


def test_a_forged_token_is_a_401(alpha):
    forged = jwt.encode({"sub": "u-1", "roles": ["admin"], "exp": 9999999999}, "not-the-secret", algorithm="HS256")
    response = alpha.post("/notes", json={"text": "x"}, role=None, headers={"Authorization": f"Bearer {forged}"})
    body = assert_problem(response, 401)
    assert "Signature verification failed" in body["detail"]
    assert_nothing_written(alpha)


def test_an_expired_token_is_a_401(alpha):
    expired = jwt.encode({"sub": "u-1", "roles": ["admin"], "exp": 1}, alpha.settings.signing_key, algorithm="HS256")
    response = alpha.post("/notes", json={"text": "x"}, role=None, headers={"Authorization": f"Bearer {expired}"})
    assert_problem(response, 401)


def test_unknown_paths_and_methods_are_problems(alpha):
    assert_problem(alpha.get("/nowhere"), 404)
    assert_problem(alpha.delete("/notes"), 405)


def test_an_unexpected_error_is_a_500_without_a_stack_trace(alpha):
    @alpha.app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    body = assert_problem(alpha.get("/boom"), 500)
    assert "secret internals" not in str(body) and "Traceback" not in str(body)


def test_health_metrics_and_openapi_are_public(alpha):
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert alpha.get(path, role=None).status_code == 200, path
    assert "/notes" in alpha.get("/openapi.json", role=None).json["paths"]


def test_successful_writes_are_audited_with_who_did_them(alpha):
    alpha.post("/notes", json={"text": "x"}, role="rep", user="rep-9")
    with alpha.runtime.database.session() as session:
        from sqlalchemy import text

        row = session.execute(text("select actor, action, resource, status from audit_log")).one()
    assert tuple(row) == ("rep-9", "POST", "/notes", 201)


def test_a_write_and_its_audit_line_commit_in_one_transaction(alpha):
    from sqlalchemy import event, text

    commits = []
    event.listen(alpha.runtime.database.engine, "commit", lambda connection: commits.append(1))
    assert alpha.post("/notes", json={"text": "x"}, role="rep", user="rep-9",
                      headers={"X-Request-ID": "req-9"}).status_code == 201
    assert len(commits) == 1
    with alpha.runtime.database.session() as session:
        rows = session.execute(text("select actor, action, resource, status, request_id from audit_log")).all()
    assert [tuple(row) for row in rows] == [("rep-9", "POST", "/notes", 201, "req-9")]


def test_a_write_whose_commit_failed_and_was_retried_is_audited_once(alpha, monkeypatch):
    """The line that went down with the failed commit is written after the response instead."""
    from flask import Response
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from salesloop.web.app import uow

    real_commit, failures = Session.commit, [1]

    def commit_failing_once(session):
        if failures:
            failures.pop()
            raise RuntimeError("the commit failed")
        return real_commit(session)

    monkeypatch.setattr(Session, "commit", commit_failing_once)
    notes = alpha.runtime.spec.metadata.tables["notes"]
    with alpha.app.test_request_context("/notes", method="POST", headers=alpha.headers("rep", "rep-9")):
        alpha.app.preprocess_request()
        unit = uow()
        for attempt in (1, 2):
            unit.session.execute(notes.insert().values(text=f"attempt {attempt}", author="rep-9"))
            try:
                unit.commit()
            except RuntimeError:
                unit.rollback()
        alpha.app.process_response(Response(status=201))
    with alpha.runtime.database.session() as session:
        assert session.execute(text("select text from notes")).scalars().all() == ["attempt 2"]
        rows = session.execute(text("select actor, action, resource, status from audit_log")).all()
    assert [tuple(row) for row in rows] == [("rep-9", "POST", "/notes", 201)]


def test_the_request_id_is_echoed_and_in_problems(alpha):
    response = alpha.get("/nowhere", headers={"X-Request-ID": "req-123"})
    assert response.headers["X-Request-ID"] == "req-123"
    assert response.json["request_id"] == "req-123"


def test_a_token_for_another_service_or_for_none_is_a_401(alpha):
    from salesloop.web.auth import issue_token

    elsewhere = issue_token(alpha.settings, "u-1", ["admin"], audience="orders")
    assert_problem(alpha.post("/notes", json={"text": "x"}, headers={"Authorization": f"Bearer {elsewhere}"},
                              role=None), 401)
    nameless = jwt.encode({"sub": "u-1", "roles": ["admin"], "exp": 9999999999}, alpha.settings.signing_key,
                          algorithm="HS256")
    assert_problem(alpha.post("/notes", json={"text": "x"}, headers={"Authorization": f"Bearer {nameless}"},
                              role=None), 401)
    assert_nothing_written(alpha)
    own = issue_token(alpha.settings, "u-1", ["admin"], audience=alpha.settings.expected_audience)
    assert alpha.post("/notes", json={"text": "x"}, headers={"Authorization": f"Bearer {own}"},
                      role=None).status_code == 201


def test_a_service_reads_its_own_audience_first(monkeypatch):
    from salesloop.config import load_settings

    monkeypatch.setenv("JWT_AUDIENCE", "acme-sales")
    monkeypatch.setenv("ORDERS_JWT_AUDIENCE", "acme-orders")
    assert load_settings("orders").expected_audience == "acme-orders"
    assert load_settings("leads").expected_audience == "acme-sales"
    monkeypatch.delenv("JWT_AUDIENCE")
    assert load_settings("leads").expected_audience == "leads"


@pytest.mark.parametrize("roles", [[], ["storefront"], ["service"], ["auditor"]])
def test_a_route_that_names_no_roles_refuses_a_token_without_a_staff_role(alpha, roles):
    # Deny by default: only the routes that name them are open to machines and role-less tokens.
    assert_problem(alpha.post("/notes", json={"text": "x"}, role="rep", roles=roles), 403)
    assert_nothing_written(alpha)
    assert alpha.post("/notes", json={"text": "x"}, role="rep").status_code == 201
