"""Who is signed in: the person's token, kept in the signed session cookie.

Signing in checks the token the way every service does (signature, expiry,
audience) and keeps it; each page calls the APIs with it. The cookie is
HttpOnly and SameSite=Lax (Secure in production); forms carry a CSRF token
(Flask-WTF). A token past its expiry ends the session: the next page asks to
sign in again and writes nothing.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import wraps

import jwt
from flask import current_app, flash, redirect, request, session, url_for

from salesloop.web.auth import Principal

SESSION_KEYS = ("token", "user", "roles", "team", "region", "expires")


class SignInRefused(ValueError):
    """The token was not accepted; the message says why, in words for a person."""


def sign_in(token: str) -> Principal:
    try:
        principal = current_app.extensions["console_verifier"].verify(token)
    except Exception as exc:  # PyJWT raises one of a dozen types: all mean "not this token"
        raise SignInRefused(_why(exc)) from None
    claims_expiry = _expiry(token)
    session.clear()
    session.update(token=token, user=principal.user, roles=sorted(principal.roles), team=principal.team,
                   region=principal.region, expires=claims_expiry)
    session.permanent = True
    return principal


def sign_out() -> None:
    session.clear()


def current_token() -> str | None:
    return session.get("token") if signed_in() else None


def signed_in() -> bool:
    expires = session.get("expires")
    return bool(session.get("token")) and expires is not None and expires > _now()


def current_person() -> Principal | None:
    if not signed_in():
        return None
    return Principal(user=session["user"], roles=frozenset(session.get("roles", ())), team=session.get("team"),
                     region=session.get("region"))


def login_required(view):
    """A page for signed-in people only; an expired session is sent to sign in again."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if not signed_in():
            expired = bool(session.get("token"))
            session.clear()  # before the flash: the message lives in the session too
            if expired:
                flash("Your session has expired. Please sign in again.", "warning")
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return guarded


def _expiry(token: str) -> float:
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims["exp"])


def _now() -> float:
    return datetime.now(timezone.utc).timestamp()


def _why(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "ExpiredSignatureError":
        return "This token has expired."
    if name in ("InvalidAudienceError", "MissingRequiredClaimError"):
        return "This token is not meant for the console."
    return "This token is not valid here."
