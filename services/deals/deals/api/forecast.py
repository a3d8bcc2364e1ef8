"""/forecast: the weighted pipeline."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from deals.api.common import config, current_principal, uow
from deals.commands import queries
from deals.schemas import forecast_view
from deals.schemas import ForecastOut, ForecastQuery


def blueprint() -> Blueprint:
    blp = Blueprint("forecast", __name__, url_prefix="/forecast",
                    description="Weighted pipeline by close month, rep, team and region, in the company currency")

    @blp.route("")
    class Forecast(MethodView):
        @blp.arguments(ForecastQuery, location="query")
        @blp.response(200, ForecastOut)
        def get(self, filters):
            """amount x probability of the open deals you can see, plus the unweighted total and stage counts."""
            result, rates = queries.pipeline_forecast(uow(), config(), current_principal(), filters)
            return forecast_view(result, rates)

    return blp
