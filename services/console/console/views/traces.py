"""From an order or a contract to its trace in the configured trace viewer.

CONSOLE_TRACE_URL is the viewer's address with ``{kind}`` and ``{id}`` where
they go (a search for the record's id); the console first reads the record
with the person's token, so a link is offered only for a record they may see.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint, abort, current_app, redirect, render_template, request

from console.session import login_required
from console.upstream import upstream

blp = Blueprint("traces", __name__)
RECORDS = {"order": ("orders", "/orders/{id}"), "contract": ("deals", "/contracts")}
RECORD_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@blp.get("/trace/<kind>/<record_id>")
@login_required
def follow(kind: str, record_id: str):
    if kind not in RECORDS or not RECORD_ID.match(record_id):
        abort(404, "Traces are kept for orders and contracts.")
    template = current_app.extensions["console"].trace_url
    if not template:
        return render_template("error.html", status=404, title="No trace viewer configured",
                               detail="Set CONSOLE_TRACE_URL to the viewer's address, "
                                      "with {kind} and {id} where they go."), 404
    ensure_visible(kind, record_id)
    return redirect(template.replace("{kind}", kind).replace("{id}", quote(record_id, safe="")))


def ensure_visible(kind: str, record_id: str) -> None:
    """The record as the person may read it: a 404 or 403 of the service ends here."""
    if kind == "order":
        upstream().get("orders", f"/orders/{quote(record_id, safe='')}")
        return
    contracts = upstream().get("deals", "/contracts", page_size=200)["items"]
    if not any(contract.get("id") == record_id for contract in contracts):
        abort(404, "No such contract among those you may see.")


@blp.get("/orders")
@login_required
def recent_orders():
    listing = upstream().get("orders", "/orders", sort="-placed_at", page_size=50,
                             status=request.args.get("status") or None)
    return render_template("orders.html", orders=listing["items"], total=listing["total"],
                           traced=bool(current_app.extensions["console"].trace_url))
