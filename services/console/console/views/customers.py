"""Customers by ABC class, as the KPI service classifies them on trailing revenue."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from console.session import login_required
from console.upstream import upstream
from console.views.charts import chart

blp = Blueprint("customers", __name__)
CLASSES = ("A", "B", "C")


@blp.get("/customers")
@login_required
def by_class():
    chosen = request.args.get("abc_class") if request.args.get("abc_class") in CLASSES else None
    counts = {c: upstream().get("kpi", "/customer-classes", abc_class=c, page_size=1)["total"] for c in CLASSES}
    listing = upstream().get("kpi", "/customer-classes", abc_class=chosen, sort="-trailing_revenue", page_size=100)
    spec = chart("pie", CLASSES, {"customers": (counts[c] for c in CLASSES)})
    return render_template("customers.html", counts=counts, customers=listing["items"], total=listing["total"],
                           chosen=chosen, classes=CLASSES, chart=spec)
