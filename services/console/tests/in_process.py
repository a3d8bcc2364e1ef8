"""The five services as real Flask apps in this process, reached over ``requests``.

A transport adapter hands each request the console makes to the service's test
client, so the console's code runs exactly as against the network: same URLs,
same headers, the services' own answers (scopes, masking, refusals) included.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

SERVICE_URLS = {service: f"http://{service}.test" for service in ("leads", "deals", "orders", "service-desk", "kpi")}


class InProcessAdapter(BaseAdapter):
    def __init__(self, apps: dict[str, object]):
        super().__init__()
        self.apps = apps  # host → Flask app
        self.calls: list[tuple[str, str, str | None]] = []

    def send(self, request, **_kwargs):
        url = urlsplit(request.url)
        self.calls.append((request.method, url.netloc + url.path, request.headers.get("Authorization")))
        app = self.apps.get(url.netloc)
        if app is None:
            raise requests.ConnectionError(f"nothing listens at {url.netloc}")
        answer = app.test_client().open(url.path, method=request.method, query_string=url.query,
                                        headers=dict(request.headers), data=request.body)
        response = requests.Response()
        response.status_code, response._content = answer.status_code, answer.get_data()
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response.url, response.request, response.reason = request.url, request, answer.status
        return response

    def close(self):
        pass


def session_factory(adapter: InProcessAdapter):
    def make() -> requests.Session:
        session = requests.Session()
        session.mount("http://", adapter)
        return session

    return make
