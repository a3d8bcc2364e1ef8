"""Sign in with a token from the company's identity provider — or, in development,
as any person of the demo company — and sign out."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from salesloop.config import load_settings
from salesloop.web.auth import issue_token

from console.session import SignInRefused, sign_in, sign_out

blp = Blueprint("auth", __name__)
ROLES = ("rep", "supervisor", "manager", "director", "cs_agent", "ops", "admin")
NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@blp.get("/login")
def login():
    return render_template("login.html", roles=ROLES, development=not current_app.extensions["console"].production,
                           next=_safe_next(request.args.get("next")))


@blp.post("/login")
def login_with_token():
    token = (request.form.get("token") or "").strip()
    if not token or len(token) > 8192:
        return _refused("Paste the token your identity provider gave you.")
    return _signed_in(token)


@blp.post("/login/dev")
def login_as_developer():
    if current_app.extensions["console"].production:
        return _refused("Development sign-in is off in production.", status=403)
    role, user = request.form.get("role", ""), request.form.get("user", "").strip()
    team, region = request.form.get("team", "").strip() or None, request.form.get("region", "").strip() or None
    problems = [label for label, ok in (("role", role in ROLES), ("user", bool(NAME.match(user))),
                                         ("team", team is None or bool(NAME.match(team))),
                                         ("region", region is None or bool(NAME.match(region)))) if not ok]
    if problems:
        return _refused(f"Check these fields: {', '.join(problems)}.")
    settings = load_settings("console")
    return _signed_in(issue_token(settings, user, [role], team=team, region=region, hours=8))


@blp.post("/logout")
def logout():
    sign_out()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


def _signed_in(token: str):
    try:
        sign_in(token)
    except SignInRefused as exc:
        return _refused(str(exc), status=401)
    return redirect(_safe_next(request.form.get("next")) or url_for("dashboard.home"))


def _refused(message: str, status: int = 422):
    flash(message, "error")
    return render_template("login.html", roles=ROLES, development=not current_app.extensions["console"].production,
                           next=_safe_next(request.form.get("next"))), status


def _safe_next(target: str | None) -> str | None:
    """Only a path on the console itself: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
