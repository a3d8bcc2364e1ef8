"""API documentation every service serves: Swagger UI at /docs, from local assets.

The assets come from the swagger-ui-bundle package and are served by the
service itself, so the docs work offline and under a strict Content-Security-
Policy (no CDN, no inline script: the page's one script is a file of ours that
reads the document's address from the page).
"""
from __future__ import annotations

from html import escape

from flask import Blueprint, Response, current_app, redirect, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response as WerkzeugResponse

from salesloop.web.auth import public

ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
          "favicon-32x32.png", "favicon-16x16.png")
STARTER = """window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.spec, dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout", persistAuthorization: true
  });
});
"""
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — API</title>
<link rel="icon" href="{assets}favicon-32x32.png">
<link rel="stylesheet" href="{assets}swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec="{spec}"><noscript>The interactive docs need JavaScript;
the document itself is at <a href="{spec}">{spec}</a>.</noscript></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script src="{assets}swagger-ui-standalone-preset.js"></script>
<script src="{starter}"></script></body></html>
"""

docs = Blueprint("docs", __name__)


@docs.get("/")
@public
def home() -> WerkzeugResponse:
    return redirect(url_for("docs.page"))


@docs.get("/docs")
@public
def page() -> Response:
    html = PAGE.format(title=escape(current_app.config.get("API_TITLE", "Salesloop")),
                       assets=url_for("docs.asset", name=""), spec=url_for("api-docs.openapi_json"),
                       starter=url_for("docs.starter"))
    return Response(html, mimetype="text/html")


@docs.get("/docs/assets/<name>")
@public
def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response("not found", status=404, mimetype="text/plain")
    response = send_from_directory(swagger_ui_path, name, max_age=86400)
    return response


@docs.get("/docs/start.js")
@public
def starter() -> Response:
    return Response(STARTER, mimetype="text/javascript")
