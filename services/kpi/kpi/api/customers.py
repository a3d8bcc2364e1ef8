"""/customer-classes: each customer's ABC class from trailing revenue."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from sqlalchemy import select

from kpi.api.common import page, uow
from kpi.domain.errors import NotFound
from kpi.models import CustomerClassRow
from kpi.schemas import ClassesQuery, CustomerClassOut, CustomerClassPage

SORTS = {"trailing_revenue": CustomerClassRow.trailing_revenue.asc(),
         "-trailing_revenue": CustomerClassRow.trailing_revenue.desc(),
         "customer_id": CustomerClassRow.customer_id.asc(),
         "-changed_at": CustomerClassRow.changed_at.desc()}


blp = Blueprint("customer_classes", __name__, url_prefix="/customer-classes",
                description="Customer ABC classes (Pareto on trailing revenue), re-run daily")


@blp.route("")
class Classes(MethodView):
    @blp.arguments(ClassesQuery, location="query")
    @blp.response(200, CustomerClassPage)
    def get(self, args):
        """Customers by class, highest trailing revenue first by default."""
        query = select(CustomerClassRow)
        if args.get("abc_class"):
            query = query.where(CustomerClassRow.abc_class == args["abc_class"])
        query = query.order_by(SORTS[args["sort"]], CustomerClassRow.customer_id)
        return page(list(uow().session.execute(query).scalars()), args)


@blp.route("/<customer_id>")
class OneClass(MethodView):
    @blp.response(200, CustomerClassOut)
    def get(self, customer_id):
        row = uow().session.get(CustomerClassRow, customer_id)
        if row is None:
            raise NotFound(f"customer {customer_id} has not been classified")
        return row

