"""Signing in and out: the session cookie's flags, CSRF on every form, expiry, open redirects."""
from __future__ import annotations

from salesloop.config import load_settings
from salesloop.web.auth import issue_token

from console_client import csrf_token, sign_in


def test_an_anonymous_page_asks_to_sign_in_and_reads_nothing(browser_client, network):
    response = browser_client.get("/pipeline")
    assert response.status_code == 302 and response.location.startswith("/login?next=/pipeline")
    assert network.calls == []


def test_development_sign_in_sets_an_httponly_samesite_cookie(browser_client):
    response = sign_in(browser_client, "manager", "m-east", region="east")
    assert response.status_code == 302 and response.location == "/"
    cookie = next(value for name, value in response.headers.items() if name == "Set-Cookie"
                  and value.startswith("salesloop_console="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_cookie_is_secure_in_production(make_console):
    from console.config import ConsoleConfig
    from console.app import create_app

    config = ConsoleConfig(secret_key="p" * 40, production=True)
    assert create_app(config).config["SESSION_COOKIE_SECURE"] is True


def test_a_form_without_its_csrf_token_is_refused_and_signs_nobody_in(browser_client):
    browser_client.get("/login")
    response = browser_client.post("/login/dev", data={"role": "admin", "user": "intruder"})
    assert response.status_code == 400 and "The form has expired" in response.get_data(as_text=True)
    assert browser_client.get("/pipeline").status_code == 302


def test_sign_out_needs_the_csrf_token_and_ends_the_session(company, signed_in):
    client = signed_in("rep", "r-1", "team-1", "east")
    assert client.post("/logout").status_code == 400
    assert client.get("/pipeline").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/pipeline")})
    assert response.status_code == 302
    assert client.get("/pipeline").status_code == 302


def test_a_pasted_token_signs_in_as_the_person_it_names(company, browser_client):
    token = issue_token(load_settings("leads"), "r-1", ["rep"], team="team-1", region="east")
    response = browser_client.post("/login", data={"csrf_token": csrf_token(browser_client), "token": token})
    assert response.status_code == 302
    assert "r-1 · rep" in browser_client.get("/pipeline").get_data(as_text=True)


def test_a_forged_or_expired_token_is_refused_in_words(browser_client):
    settings = load_settings("leads")
    forged = issue_token(settings, "r-1", ["admin"])[:-4] + "AAAA"
    expired = issue_token(settings, "r-1", ["rep"], hours=-1)
    for token, words in ((forged, "not valid"), (expired, "expired"), ("", "Paste the token")):
        response = browser_client.post("/login", data={"csrf_token": csrf_token(browser_client), "token": token})
        assert response.status_code in (401, 422) and words in response.get_data(as_text=True)
        assert browser_client.get("/pipeline").status_code == 302


def test_an_expired_session_asks_to_sign_in_again(company, signed_in):
    client = signed_in("rep", "r-1", "team-1", "east")
    with client.session_transaction() as session:
        session["expires"] = 0
    response = client.get("/pipeline")
    assert response.status_code == 302 and "/login" in response.location
    assert "expired" in client.get("/login").get_data(as_text=True)


def test_development_sign_in_refuses_unknown_roles_and_is_off_in_production(browser_client, make_console):
    response = sign_in(browser_client, "superuser", "u-1")
    assert response.status_code == 422 and "role" in response.get_data(as_text=True)
    from console.app import create_app
    from console.config import ConsoleConfig

    production = create_app(ConsoleConfig(secret_key="p" * 40, production=True))
    production.config.update(WTF_CSRF_ENABLED=False)
    assert production.test_client().post("/login/dev", data={"role": "admin", "user": "x"}).status_code == 403


def test_next_never_leaves_the_console(browser_client):
    data = {"csrf_token": csrf_token(browser_client), "role": "rep", "user": "r-1", "next": "//evil.example/x"}
    assert browser_client.post("/login/dev", data=data).location == "/"


def test_pages_answer_with_a_strict_content_security_policy(browser_client):
    response = browser_client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
