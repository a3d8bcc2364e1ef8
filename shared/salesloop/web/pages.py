"""What every HTML page a person opens from a link shares: choosing HTML over JSON,
the language, the answer's headers, refusing forms posted from other sites, rate
limits and error pages for page routes.

Where a person is sent a link (a survey link), the link and the JSON API are the
same URL: a browser asks for ``text/html`` first, a program for JSON or ``*/*``,
and a program keeps getting exactly what it got before. Page routes of their own
(a form's target) are plain Flask blueprints, so they stay out of the OpenAPI
document, and a page never answers with problem+json or a stack trace.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# A page's answer is for the person holding the link: a link that carries a
# capability (a token in its path) must not be kept by a shared cache, and the
# same URL answers JSON or HTML, in one language or another.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Vary": "Accept, Accept-Language",
    # The form posts to its own origin; "same-origin" keeps the page's Origin header
    # on that post (under "no-referrer" a browser sends "Origin: null") and still
    # sends nothing, not even the origin, to any other site.
    "Referrer-Policy": "same-origin",
}

ErrorPage = Callable[[int], Response]


def wants_html() -> bool:
    """A browser's request: text/html preferred to JSON (``*/*`` or nothing means JSON)."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def chosen_language(supported: Sequence[str], default: str) -> str:
    """``?lang=`` if it names a supported language, else the first of Accept-Language's
    languages (by quality) whose primary tag is supported (``zh-CN`` is ``zh``), else ``default``."""
    override = (request.args.get("lang") or "").lower()
    if override in supported:
        return override
    for tag, quality in request.accept_languages:
        primary = tag.split("-")[0].lower()
        if quality > 0 and primary in supported:
            return primary
    return default


def page_response(html: str, status: int = 200) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(PAGE_HEADERS)
    return response


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, as a browser writes it in the Origin header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def posted_from_own_site(public_urls: Iterable[str] = ()) -> bool:
    """Whether a form post comes from one of our own pages.

    The Origin header, which every current browser sends on a form post, must be
    the origin this request reached (``request.host_url``, right behind a proxy when
    TRUSTED_PROXY_HOPS is set) or one of ``public_urls``' origins (the address the
    links are sent with, for a proxy that rewrites the host). Without an Origin
    (an old browser, a program) Sec-Fetch-Site decides if present; a request with
    neither is let through — it carries no ambient credential a foreign page could
    ride, only what its sender already holds.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    allowed = {origin_of(request.host_url), *(origin_of(url) for url in public_urls)}
    return origin.lower() in allowed


def limit_page_views(app: Flask, blueprint: Blueprint, limit: str) -> None:
    """Rate-limit every view of a page blueprint registered after the app was built
    (the app factory limits only the routes it registered itself)."""
    limiters = app.extensions.get("limiter") or set()
    if len(limiters) != 1:
        raise RuntimeError("a page blueprint needs the app's one rate limiter to be installed first")
    (limiter,) = limiters
    prefix = blueprint.name + "."
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith(prefix):
            app.view_functions[endpoint] = limiter.limit(limit)(view)


def install_page_errors(blueprint: Blueprint, error_page: ErrorPage) -> None:
    """Errors in a page blueprint's views answer ``error_page(status)``: a page in the
    visitor's language, never problem+json, never a stack trace."""

    def http_error(exc: HTTPException) -> Response:
        return error_page(exc.code or 500)

    def unexpected(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error on a page")
        return error_page(500)

    blueprint.register_error_handler(HTTPException, http_error)
    blueprint.register_error_handler(Exception, unexpected)
