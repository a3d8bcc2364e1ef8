"""/healthz and /readyz for probes: the console is ready when it can start; it has no database."""
from __future__ import annotations

from flask import Blueprint, jsonify

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    return jsonify(status="ok", service="console")


@blp.get("/readyz")
def readyz():
    return jsonify(status="ready", service="console")
