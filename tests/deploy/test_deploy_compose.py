"""deploy/compose: valid against the Compose Specification, and a start order that holds."""
from __future__ import annotations

import copy
import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import deploy_checks as checks

BASE = checks.COMPOSE_DIR / "docker-compose.yml"
OBSERVABILITY = checks.COMPOSE_DIR / "docker-compose.observability.yml"
ENV_EXAMPLE = checks.COMPOSE_DIR / ".env.example"
COMPOSE_FILES = [BASE, OBSERVABILITY]


def _example_env() -> dict[str, str]:
    return checks.read_env_file(ENV_EXAMPLE)


def _resolved(path: Path) -> dict:
    return checks.interpolate_tree(checks.load_yaml(path), _example_env())


def _merged_services() -> dict[str, dict]:
    """The services of base + observability, as `docker compose -f ... -f ...` sees them."""
    services: dict[str, dict] = {}
    for path in COMPOSE_FILES:
        for name, service in (_resolved(path).get("services") or {}).items():
            services[name] = {**services.get(name, {}), **service}
    return services


def test_vendored_schema_is_the_one_documented():
    digest = hashlib.sha256(checks.COMPOSE_SCHEMA.read_bytes()).hexdigest()
    assert digest == checks.COMPOSE_SCHEMA_SHA256
    assert checks.compose_validator().schema["title"] == "Compose Specification"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda path: path.name)
def test_compose_file_as_written_matches_the_compose_specification(path):
    assert checks.compose_schema_errors(checks.load_yaml(path)) == []


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda path: path.name)
def test_compose_file_with_env_example_values_matches_the_compose_specification(path):
    assert checks.compose_schema_errors(_resolved(path)) == []


def test_every_container_is_health_checked_or_one_shot_and_depends_on_real_services():
    assert checks.compose_start_order_problems(_merged_services()) == []


def test_every_service_has_migrate_api_worker_and_relay_wired_by_convention():
    assert checks.compose_salesloop_problems(_resolved(BASE)) == []


def test_one_shot_containers_are_exactly_the_migrations():
    services = _resolved(BASE)["services"]
    one_shot = sorted(name for name, service in services.items() if service.get("restart") == "no")
    assert one_shot == sorted(f"{svc.folder}-migrate" for svc in checks.SERVICES)


def test_infrastructure_images_and_tracing_backend():
    services = _resolved(BASE)["services"]
    assert services["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["jaeger"]["image"].startswith("jaegertracing/all-in-one:")
    assert services["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    # the node name must survive restarts or RabbitMQ loses its data directory
    assert services["rabbitmq"]["hostname"] == "rabbitmq"
    api = services["leads-api"]["environment"]
    assert api["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
    assert api["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert api["OTEL_TRACES_SAMPLER"] == "parentbased_always_on"
    assert api["BUS_URL"] == "amqp://salesloop:dev-only-rabbitmq@rabbitmq:5672//"
    assert api["DATABASE_URL"] == "postgresql+psycopg://leads:dev-only-leads@postgres:5432/leads"


def test_published_ports_are_bound_to_loopback_and_unique():
    services = _merged_services()
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert all(str(port).startswith("127.0.0.1:") for port in published)
    host_ports = [str(port).split(":")[1] for port in published]
    assert len(host_ports) == len(set(host_ports))
    assert sorted(services[f"{svc.folder}-api"]["ports"][0] for svc in checks.SERVICES) == [
        "127.0.0.1:8001:8000", "127.0.0.1:8002:8000", "127.0.0.1:8003:8000",
        "127.0.0.1:8004:8000", "127.0.0.1:8005:8000"]


def test_env_example_defines_every_variable_compose_requires():
    required = set()
    for path in COMPOSE_FILES:
        required |= checks.required_variables(checks.load_yaml(path))
    assert "JWT_SECRET" in required
    assert sorted(required - set(_example_env())) == []


def test_env_example_jwt_secret_is_a_placeholder_production_refuses():
    # The services refuse a JWT_SECRET shorter than 32 characters in production,
    # so a copied .env.example cannot go live with a known secret.
    env = _example_env()
    assert env["SALESLOOP_ENV"] == "production"
    assert len(env["JWT_SECRET"]) < 32


def test_compose_refuses_to_start_without_the_jwt_secret():
    env = {key: value for key, value in _example_env().items() if key != "JWT_SECRET"}
    with pytest.raises(checks.InterpolationError, match="JWT_SECRET"):
        checks.interpolate_tree(checks.load_yaml(BASE), env)


def test_postgres_init_script_creates_one_database_and_role_per_service():
    sql = (checks.COMPOSE_DIR / "initdb" / "01-databases.sql").read_text(encoding="utf-8")
    assert checks.init_sql_databases(sql) == {svc.database for svc in checks.SERVICES}
    postgres_env = _resolved(BASE)["services"]["postgres"]["environment"]
    for svc in checks.SERVICES:
        variable = f"{svc.database.upper()}_DB_PASSWORD"
        assert f"CREATE ROLE {svc.database} LOGIN PASSWORD :'{svc.database}_password';" in sql
        assert f"\\getenv {svc.database}_password {variable}" in sql
        assert f"CREATE DATABASE {svc.database} OWNER {svc.database};" in sql
        assert postgres_env[variable] == _example_env()[variable]
    volumes = _resolved(BASE)["services"]["postgres"]["volumes"]
    assert "./initdb:/docker-entrypoint-initdb.d:ro" in volumes


def test_prometheus_scrapes_every_api_and_worker():
    config = checks.load_yaml(checks.COMPOSE_DIR / "prometheus.yml")
    targets = sorted(target for job in config["scrape_configs"] for group in job["static_configs"]
                     for target in group["targets"])
    worker_port = _resolved(BASE)["services"]["leads-worker"]["environment"]["WORKER_METRICS_PORT"]
    assert targets == sorted([f"{svc.folder}-api:8000" for svc in checks.SERVICES]
                             + [f"{svc.folder}-worker:{worker_port}" for svc in checks.SERVICES])


# ---------------------------------------------------- the healthchecks themselves

def _healthcheck(anchor_user: str) -> list[str]:
    test = _resolved(BASE)["services"][anchor_user]["healthcheck"]["test"]
    assert test[0] == "CMD"
    return [sys.executable] + test[2:]


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 - the stdlib's name
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status, healthy", [(200, True), (503, False)])
def test_api_healthcheck_passes_on_200_and_fails_on_503(status, healthy):
    handler = type("Handler", (_Health,), {"status": status})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ, "PORT": str(server.server_port)}
        result = subprocess.run(_healthcheck("leads-api"), env=env, capture_output=True, timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.returncode == 0) is healthy, result.stderr.decode()


@pytest.mark.parametrize("role", ["worker", "relay"])
def test_worker_and_relay_healthchecks_pass_only_while_the_process_loop_turns(role):
    """The compose healthcheck asks the process's own heartbeat (salesloop.messaging.health)."""
    from salesloop.messaging.health import Heartbeat, serve_health

    class Clock:
        now = 0.0

        def __call__(self):
            return self.now

    clock = Clock()
    heartbeat = Heartbeat(stale_after=30, clock=clock)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve_health(heartbeat, port, service="leads", process=role, host="127.0.0.1")
    env = {**os.environ, "HEALTH_PORT": str(port)}
    try:
        heartbeat.beat(ready=True)
        turning = subprocess.run(_healthcheck(f"leads-{role}"), capture_output=True, timeout=30, env=env)
        clock.now += 31  # no beat for longer than stale_after: a stuck loop
        stuck = subprocess.run(_healthcheck(f"leads-{role}"), capture_output=True, timeout=30, env=env)
    finally:
        server.shutdown()
        server.server_close()
    assert turning.returncode == 0, turning.stderr.decode()
    assert stuck.returncode != 0


# ------------------------------------------------------------- interpolation

@pytest.mark.parametrize("text, env, expected", [
    ("${A}", {"A": "x"}, "x"),
    ("$A/$$B", {"A": "x"}, "x/$B"),
    ("${A:-d}", {"A": ""}, "d"),
    ("${A-d}", {"A": ""}, ""),
    ("${A-d}", {}, "d"),
    ("${A:+alt}", {"A": "x"}, "alt"),
    ("${A:+alt}", {}, ""),
    ("pre-${A:?missing}-post", {"A": "x"}, "pre-x-post"),
    ("${MISSING}", {}, ""),
])
def test_interpolation_follows_compose(text, env, expected):
    assert checks.interpolate(text, env) == expected


@pytest.mark.parametrize("text, env", [("${A:?set A}", {"A": ""}), ("${A?set A}", {})])
def test_interpolation_refuses_missing_required_variables(text, env):
    with pytest.raises(checks.InterpolationError, match="set A"):
        checks.interpolate(text, env)


# ------------------------------------------------------------- broken copies

def _broken_document(mutate) -> dict:
    document = copy.deepcopy(_resolved(BASE))
    mutate(document["services"])
    return document


SCHEMA_BREAKS = {
    "misspelt key": (lambda s: s["leads-api"].update(healthchek=s["leads-api"].pop("healthcheck")),
                     "'healthchek' does not match any of the regexes: '^x-'"),
    "ports not a list": (lambda s: s["leads-api"].update(ports=8001), "is not of type 'array'"),
    "unknown depends_on condition": (
        lambda s: s["leads-api"]["depends_on"]["postgres"].update(condition="service_ready"),
        "closest: 'service_ready' is not one of"),
    "restart policy misspelt": (lambda s: s["leads-worker"].update(restart=["always"]),
                                "is not of type 'string'"),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_BREAKS))
def test_compose_schema_rejects_a_broken_file(case):
    mutate, expected = SCHEMA_BREAKS[case]
    errors = checks.compose_schema_errors(_broken_document(mutate))
    assert any(expected in error for error in errors), errors


def test_compose_schema_rejects_a_misspelt_top_level_key():
    document = {**_resolved(BASE), "volume": {}}
    errors = checks.compose_schema_errors(document)
    assert any("'volume' does not match any of the regexes: '^x-'" in error for error in errors), errors


START_ORDER_BREAKS = {
    "missing dependency": (lambda s: s["leads-api"]["depends_on"].update(redis={"condition": "service_started"}),
                           "leads-api depends on redis, which is not a service"),
    "worker without healthcheck": (lambda s: s["leads-worker"].pop("healthcheck"),
                                   "leads-worker is long-running (restart 'unless-stopped') but has no healthcheck"),
    "waits for migration health": (
        lambda s: s["leads-api"]["depends_on"]["leads-migrate"].update(condition="service_healthy"),
        "leads-api waits for leads-migrate to be healthy, but it has no healthcheck"),
    "migration restarted": (lambda s: s["leads-migrate"].update(restart="always"),
                            "leads-api waits for leads-migrate to complete, but leads-migrate is restarted"),
    "cycle": (lambda s: s["postgres"].update(depends_on={"leads-api": {"condition": "service_started"}}),
              "dependency cycle: leads-api -> leads-migrate -> postgres -> leads-api"),
}


@pytest.mark.parametrize("case", sorted(START_ORDER_BREAKS))
def test_start_order_check_rejects_a_broken_file(case):
    mutate, expected = START_ORDER_BREAKS[case]
    problems = checks.compose_start_order_problems(_broken_document(mutate)["services"])
    assert expected in problems, problems


CONVENTION_BREAKS = {
    "missing relay": (lambda s: s.pop("kpi-relay"), "missing compose service kpi-relay"),
    "wrong command": (lambda s: s["deals-worker"].update(command=["relay"]),
                      "deals-worker runs ['relay'], expected ['worker']"),
    "wrong service name": (lambda s: s["orders-api"]["environment"].update(OTEL_SERVICE_NAME="order"),
                           "orders-api OTEL_SERVICE_NAME is order"),
    "another service's database": (
        lambda s: s["kpi-api"]["environment"].update(
            DATABASE_URL="postgresql+psycopg://kpi:x@postgres:5432/orders"),
        "kpi-api uses database postgresql+psycopg://kpi:x@postgres:5432/orders, not kpi"),
    "api before migration": (lambda s: s["leads-api"]["depends_on"].pop("leads-migrate"),
                             "leads-api does not wait for leads-migrate to complete"),
    "wrong Dockerfile": (lambda s: s["kpi-worker"]["build"].update(dockerfile="deploy/docker/deals.Dockerfile"),
                         f"kpi-worker builds {checks.DOCKER_DIR / 'deals.Dockerfile'}, "
                         f"expected {checks.DOCKER_DIR / 'kpi.Dockerfile'}"),
}


@pytest.mark.parametrize("case", sorted(CONVENTION_BREAKS))
def test_convention_check_rejects_a_broken_file(case):
    mutate, expected = CONVENTION_BREAKS[case]
    problems = checks.compose_salesloop_problems(_broken_document(mutate))
    assert expected in problems, problems
