"""The survey page: CSAT, NPS and a comment in a plain HTML form, answered once.

Cross-site posting: the page has no session and no cookie, so there is no ambient
credential for a foreign site to ride — the token in the URL is the capability, and
whoever holds it may answer. What is left to stop is a foreign page that knows a
token (a forwarded link) making a visitor's browser send an answer in their name.
The form's target checks the Origin header against this service's own origin and
the configured survey link base (``pages.posted_from_own_site``). A per-render
nonce would add nothing here: anyone holding the token can fetch the form and its
nonce, and a signed nonce would need a secret shared by every replica.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

from flask import Blueprint, Response, render_template, request, send_from_directory, url_for

from salesloop.web.app import uow
from salesloop.web.auth import public
from salesloop.web.guards import CONTROL
from salesloop.web.pages import chosen_language, install_page_errors, page_response, posted_from_own_site

from service_desk.api.common import committed, desk, now
from service_desk.commands import surveys
from service_desk.domain.errors import AlreadyAnswered, InvalidToken, SurveyExpired
from service_desk.domain.surveys import COMMENT_MAX_LENGTH, CSAT_RANGE, NPS_RANGE
from service_desk.models import SurveyRow
from service_desk.pages.texts import (
    DEFAULT_LANGUAGE,
    HTML_LANG,
    LANGUAGE_NAMES,
    LANGUAGES,
    STATUS_PAGES,
    WORDS,
)

log = logging.getLogger(__name__)

SCORE = re.compile(r"[0-9]{1,2}")
# Served by a public route of our own: a blueprint's static folder would add an
# unauthenticated /static/<path> to every page of the access table.
ASSETS = Path(__file__).parent / "static"
STYLESHEET = "survey.css"
# A link that cannot take an answer, and the status its page answers with.
CLOSED_STATES = {"unknown": 404, "used": 410, "expired": 410}


def blueprint() -> Blueprint:
    pages = Blueprint("survey_pages", __name__, template_folder="templates")
    pages.add_url_rule("/surveys/<token>/form", "answer", answer_from_form, methods=["POST"])
    pages.add_url_rule("/survey-assets/survey.css", "stylesheet", stylesheet)
    install_page_errors(pages, status_page)
    return pages


# -- views -----------------------------------------------------------------------------------------


def link_page(token: str) -> Response:
    """What a browser opening the survey link sees: the form, or why it cannot be answered."""
    language = language_of_request()
    switch = url_for("surveys.SurveyLink", token=token, lang=_other(language))
    try:
        state, row = link_state(token)
    except Exception:
        # This runs inside the JSON API's route, whose error handlers answer problem+json:
        # a person gets a page instead.
        log.exception("the survey page could not be shown")
        return status_page(500)
    if row is None or state in CLOSED_STATES:
        return message_page(language, state, CLOSED_STATES.get(state, 404), switch_url=switch)
    return form_page(language, token, about=_about(row), switch_url=switch)


@public
def answer_from_form(token: str) -> Response:
    """The form's target: an answer stored once, the form again with messages, or the link's state."""
    language = language_of_request()
    if not posted_from_own_site([desk().survey_url]):
        return message_page(language, "foreign", 403)
    state, row = link_state(token)  # the link's state first: an expired link's input is not judged
    if row is None or state in CLOSED_STATES:
        return message_page(language, state, CLOSED_STATES.get(state, 404))
    values = _submitted(request.form)
    errors = form_errors(values, language)
    if errors:
        return form_page(language, token, about=_about(row), values=values, errors=errors, status=422)
    return _store(token, values, language)


@public
def stylesheet() -> Response:
    return send_from_directory(ASSETS, STYLESHEET, max_age=86400)


def link_state(token: str) -> tuple[str, SurveyRow | None]:
    """``open``, or which of CLOSED_STATES the link is in, with its survey when there is one."""
    try:
        row, survey = surveys.survey_for_link(uow(), token)
    except InvalidToken:
        return "unknown", None
    if survey.is_answered:
        return "used", row
    if survey.is_expired(now()):
        return "expired", row
    return "open", row


# -- the form --------------------------------------------------------------------------------------


def form_errors(values: Mapping[str, str], language: str) -> dict[str, str]:
    """A message per field, in the page's language; the same limits as the JSON API."""
    words = WORDS[language]
    errors: dict[str, str] = {}
    for name, allowed in (("csat", CSAT_RANGE), ("nps", NPS_RANGE)):
        value = values[name]
        if not value:
            errors[name] = words["required"]
        elif not SCORE.fullmatch(value) or int(value) not in allowed:
            errors[name] = words[f"{name}_range"]
    if len(values["comment"]) > COMMENT_MAX_LENGTH:
        errors["comment"] = words["comment_too_long"]
    elif CONTROL.search(values["comment"]):
        errors["comment"] = words["comment_characters"]
    return errors


def _submitted(form: Mapping[str, str]) -> dict[str, str]:
    # A browser sends a textarea's line breaks as CRLF but counts them as one character
    # against maxlength: count them the way the customer saw them.
    comment = (form.get("comment") or "").replace("\r\n", "\n")
    return {"csat": (form.get("csat") or "").strip(), "nps": (form.get("nps") or "").strip(), "comment": comment}


def _store(token: str, values: Mapping[str, str], language: str) -> Response:
    answer = {"csat": int(values["csat"]), "nps": int(values["nps"]), "comment": values["comment"]}
    try:
        committed(surveys.answer_survey(uow(), token, answer))
    except AlreadyAnswered:  # a second post racing the first
        return message_page(language, "used", 410)
    except SurveyExpired:  # expired between the check and the answer
        return message_page(language, "expired", 410)
    return message_page(language, "thanks", 200)


# -- rendering -------------------------------------------------------------------------------------


def language_of_request() -> str:
    return chosen_language(LANGUAGES, DEFAULT_LANGUAGE)


def form_page(language: str, token: str, *, about: str, values: Mapping[str, str] | None = None,
              errors: Mapping[str, str] | None = None, status: int = 200, switch_url: str | None = None) -> Response:
    html = render_template(
        "survey/form.html", **_frame(language, switch_url), about=about,
        action=url_for("survey_pages.answer", token=token, lang=language),
        values=values or {"csat": "", "nps": "", "comment": ""}, errors=errors or {},
        csat_scores=[str(score) for score in CSAT_RANGE], nps_scores=[str(score) for score in NPS_RANGE],
        comment_max=COMMENT_MAX_LENGTH)
    return page_response(html, status)


def message_page(language: str, kind: str, status: int, *, switch_url: str | None = None) -> Response:
    words = WORDS[language]
    html = render_template("survey/message.html", **_frame(language, switch_url), kind=kind,
                           heading=words[f"{kind}_title"], body=words[f"{kind}_body"])
    return page_response(html, status)


def status_page(status: int) -> Response:
    """An error in a page route (a rate limit, a body too large, a failure): a page, not JSON."""
    kind = STATUS_PAGES.get(status, "refused" if status < 500 else "error")
    return message_page(language_of_request(), kind, status)


def _frame(language: str, switch_url: str | None) -> dict[str, object]:
    other = _other(language)
    return {"lang": language, "html_lang": HTML_LANG[language], "words": WORDS[language],
            "switch_url": switch_url, "other_html_lang": HTML_LANG[other], "other_name": LANGUAGE_NAMES[other]}


def _other(language: str) -> str:
    return next(code for code in LANGUAGES if code != language)


def _about(row: SurveyRow) -> str:
    return "order" if row.order_id else "ticket"
