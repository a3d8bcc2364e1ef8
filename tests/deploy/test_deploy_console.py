"""The console's image, compose service and Kubernetes objects: a web deployable of its own shape.

No database, no bus, no worker or relay: it serves the pages, with the chart
bundle built by node in the image build, and finds the five APIs by <SERVICE>_URL.
"""
from __future__ import annotations

import pytest

import deploy_checks as checks

DOCKERFILE = checks.DOCKER_DIR / "console.Dockerfile"
SERVICE_URLS = {f"{svc.folder.upper().replace('-', '_')}_URL": svc.folder for svc in checks.SERVICES}


def stages() -> dict:
    return {stage.name: stage for stage in checks.parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))}


def compose_console() -> dict:
    env = checks.read_env_file(checks.COMPOSE_DIR / ".env.example")
    document = checks.load_yaml(checks.COMPOSE_DIR / "docker-compose.yml")
    return checks.interpolate_tree(document, env)["services"]["console"]


def test_the_image_bundles_the_charts_with_npm_ci_and_carries_no_node():
    built = stages()
    assert list(built) == ["assets", "builder", "runtime"]
    runs = " ".join(instruction.arguments for instruction in built["assets"].all("RUN"))
    assert "npm ci" in runs and "npm run" in runs
    assert built["runtime"].image.startswith("python:3.11-slim")
    assert not [i for i in built["runtime"].all("COPY") if "assets" in i.flags.get("from", "")]
    assert [target for target, _ in checks.pip_install_targets(built["builder"])] == ["./shared", "./services/console"]


def test_the_image_runs_as_the_unprivileged_user_with_a_healthcheck():
    runtime = stages()["runtime"]
    assert runtime.last("USER").arguments.strip() == "10001:10001"
    assert checks.healthcheck_command(runtime.last("HEALTHCHECK"))[:2] == ["python", "-c"]
    assert runtime.last("ENTRYPOINT").exec_form() == ["salesloop-console"]


def test_compose_starts_the_console_after_every_api_and_points_it_at_them():
    console = compose_console()
    assert console["build"]["dockerfile"] == "deploy/docker/console.Dockerfile"
    assert console["ports"] == ["127.0.0.1:8000:8000"]
    environment = console["environment"]
    assert {key: environment[key] for key in SERVICE_URLS} == {
        key: f"http://{folder}-api:8000" for key, folder in SERVICE_URLS.items()}
    assert "DATABASE_URL" not in environment and "BUS_URL" not in environment
    assert {name: dep["condition"] for name, dep in console["depends_on"].items()} == {
        f"{svc.folder}-api": "service_healthy" for svc in checks.SERVICES}


def test_compose_refuses_to_start_the_console_without_a_session_key():
    document = checks.load_yaml(checks.COMPOSE_DIR / "docker-compose.yml")
    assert "CONSOLE_SECRET_KEY" in checks.required_variables(document["services"]["console"])


@pytest.fixture
def manifests():
    return checks.load_manifests(checks.manifest_files(checks.K8S_DIR / "console"))


def test_kubernetes_runs_the_console_image_behind_a_service(manifests):
    kinds = sorted(m.kind for m in manifests)
    assert kinds == ["Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret", "Service",
                     "ServiceAccount"]
    [deployment] = [m for m in manifests if m.kind == "Deployment"]
    [container] = deployment.document["spec"]["template"]["spec"]["containers"]
    assert container["image"].startswith("salesloop/console:")
    urls = {item["name"]: item["value"] for item in container["env"] if item["name"].endswith("_URL")}
    assert urls == {key: f"http://{folder}-api" for key, folder in SERVICE_URLS.items()}
    assert {"secretRef": {"name": "console-session"}} in container["envFrom"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_top_level_kustomization_includes_the_console():
    assert "console" in checks.load_yaml(checks.K8S_DIR / "kustomization.yaml")["resources"]
