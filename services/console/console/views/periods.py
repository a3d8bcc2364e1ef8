"""The period a page shows: this month in the company's calendar unless the person chose one."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, request

from salesloop.config import load_settings

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def this_month() -> str:
    # The KPI service counts months where the company is, not where the server is.
    return datetime.now(ZoneInfo(load_settings("console").company_timezone)).strftime("%Y-%m")


def chosen_month() -> str:
    period = request.args.get("period") or this_month()
    if not MONTH.match(period):
        abort(400, "A period is a month written YYYY-MM, such as 2026-11.")
    return period
