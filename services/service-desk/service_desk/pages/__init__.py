"""The pages a customer opens in a browser: the survey link's form and its answers.

Plain Flask routes (not in the OpenAPI document) next to the JSON API; the survey
link itself is the API's URL, which answers a browser with the page (see
``api/surveys.py``). The pages need no JavaScript and load nothing from elsewhere.
"""
from __future__ import annotations

from service_desk.pages.survey import blueprint

__all__ = ["blueprint"]
