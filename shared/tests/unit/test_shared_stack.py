"""`make run`'s Procfile: every process of every service, on ports from BASE_PORT."""
from __future__ import annotations

from salesloop import stack


def lines(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.strip().splitlines())


def test_every_service_runs_a_worker_a_relay_and_an_api_on_ports_from_the_base():
    procfile = lines(stack.procfile(list(stack.SERVICES), 9100))
    assert set(procfile) == {f"{s}-{p}" for s in stack.SERVICES for p in stack.PROCESSES} | {"ready"}
    assert procfile["leads-api"].endswith("salesloop-leads api --port 9101 --workers 1")
    assert procfile["kpi-api"].endswith("salesloop-kpi api --port 9105 --workers 1")
    assert procfile["service-desk-worker"].endswith("salesloop-service-desk worker")


def test_the_ready_process_probes_each_api():
    ready = lines(stack.procfile(["leads", "orders"], 9100))["ready"]
    assert ready.endswith("-m salesloop.stack ready http://127.0.0.1:9101/readyz http://127.0.0.1:9103/readyz")


def test_each_service_learns_where_the_apis_are():
    assert stack.urls(["leads", "service-desk"], 9000) == {
        "LEADS_URL": "http://127.0.0.1:9001", "SERVICE_DESK_URL": "http://127.0.0.1:9004"}


def test_the_console_runs_on_the_base_port_and_is_probed_too():
    procfile = lines(stack.procfile(list(stack.SERVICES), 9100, console=True))
    assert procfile["console"].endswith("salesloop-console api --host 127.0.0.1 --port 9100 --workers 1")
    assert procfile["ready"].endswith("http://127.0.0.1:9105/readyz http://127.0.0.1:9100/readyz")
