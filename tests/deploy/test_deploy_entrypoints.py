"""The image's ENTRYPOINT exists and starts: its builder stage replayed outside Docker.

For each service the builder stage of deploy/docker/<service>.Dockerfile is
replayed in a temporary directory: its COPY instructions copy the same paths
from the repository (minus what dockerignore.txt leaves out of the context)
into a stand-in for /src, `python -m venv` makes the stand-in for /opt/venv,
and what its `pip install` commands name is installed in the same order,
non-editable, with the same options. Then the console script named by the
ENTRYPOINT must

- print its help and exit 0 (`--help`), naming the subcommands;
- run `migrate` from outside any source tree (the migrations ship in the package);
- run api, worker and relay side by side on the embedded defaults (SQLite file,
  filesystem bus) the way compose runs them: the api passes the image's own
  HEALTHCHECK command, answers /readyz and /metrics, and all three stop cleanly
  on SIGTERM within the grace period the Kubernetes manifests give them.

One virtualenv per service, as in the images: a shared one could hide a
dependency that one service forgot to declare because another declared it.
The local projects (./shared, ./services/<name>) are built into wheels once
and their dependencies fetched once (one resolve against the package index);
the virtualenvs then install offline from that wheelhouse, two at a time (the
machine has two cores).

A service whose services/<name>/pyproject.toml does not exist yet is skipped
with that reason; nothing else skips.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

import deploy_checks as checks

# Under pytest-xdist with --dist loadgroup, one worker builds the images once.
pytestmark = pytest.mark.xdist_group("deploy-images")

PIP_TIMEOUT = 600
START_TIMEOUT = 60
SUBCOMMANDS = ("api", "worker", "relay", "migrate", "dlq")


# ------------------------------------------------------------- building venvs

@dataclass
class Build:
    """The replayed builder stage of one service: its venv, or why it failed."""

    venv: Path | None
    script: str
    log: str

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def _stages(service):
    return checks.parse_dockerfile(service.dockerfile.read_text(encoding="utf-8"))


def _copy_into_context(source: Path, destination: Path, rules) -> None:
    """COPY source/ dest/ from a build context filtered by .dockerignore."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(checks.REPO_ROOT).as_posix()
        if path.is_dir() or checks.is_ignored(relative, rules):
            continue
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def _replay_copies(builder, context: Path, rules) -> None:
    for copy in builder.all("COPY"):
        if "from" in copy.flags:
            continue
        *sources, destination = copy.arguments.split()
        for source in sources:
            target = context / PurePosixPath(destination).as_posix().removeprefix("/src/").lstrip("./")
            _copy_into_context(checks.REPO_ROOT / source, target, rules)


def _run_logged(command: list[str], log: list[str], **kwargs) -> bool:
    result = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT, **kwargs)
    log.append(f"$ {' '.join(command)}\n{result.stdout[-4000:]}{result.stderr[-4000:]}")
    return result.returncode == 0


def _pip_env() -> dict[str, str]:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PIP_NO_CACHE_DIR", None)
    return env


def _local_path(context: Path, path: str) -> Path:
    """A path of a RUN pip install (relative to WORKDIR /src) inside the replayed context."""
    return context / PurePosixPath(path).as_posix().removeprefix("/src/").lstrip("./")


def _build_requirements(project: Path) -> list[str]:
    config = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return config.get("build-system", {}).get("requires", ["setuptools", "wheel"])


def _wheel_of(project: Path, wheelhouse: Path) -> Path | None:
    """The wheel `pip wheel` built from a local project (None if it is not there)."""
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    stem = re.sub(r"[-_.]+", "_", meta.get("name", "")).lower()
    found = sorted(wheelhouse.glob(f"{stem}-{meta.get('version', '*')}-*.whl"))
    return found[0] if stem and found else None


@dataclass
class Wheelhouse:
    """Wheels of every local project the Dockerfiles install and of all their dependencies."""

    directory: Path | None
    wheels: dict[str, Path]      # local path relative to /src -> the wheel built from it
    log: str


def fill_wheelhouse(contexts: dict, targets: dict, wheelhouse: Path) -> Wheelhouse:
    """Build the local projects once and fetch their dependencies once.

    Every image installs ./shared; building and resolving it five times would
    triple the time of this module. The wheels come from the same replayed
    contexts with the same build backends, so each virtualenv gets what its
    Dockerfile's pip steps would give it; it installs them offline, in the
    Dockerfile's order.
    """
    projects: dict[str, Path] = {}
    for folder, paths in targets.items():
        for path, _ in paths:
            relative = PurePosixPath(path).as_posix().removeprefix("/src/").lstrip("./")
            projects.setdefault(relative, _local_path(contexts[folder], path))
    log: list[str] = []
    requirements = sorted({req for project in projects.values() for req in _build_requirements(project)})
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheelhouse),
               *requirements, *map(str, projects.values())]
    if not _run_logged(command, log, env=_pip_env()):
        return Wheelhouse(None, {}, "\n".join(log))
    wheels = {relative: _wheel_of(project, wheelhouse) for relative, project in projects.items()}
    return Wheelhouse(wheelhouse, {key: wheel for key, wheel in wheels.items() if wheel}, "\n".join(log))


def build_service_venv(service, workdir: Path, wheelhouse: Wheelhouse) -> Build:
    builder, runtime = _stages(service)[0], _stages(service)[-1]
    script = (runtime.last("ENTRYPOINT").exec_form() or ["<no exec-form ENTRYPOINT>"])[0]
    context, venv, log = workdir / "src", workdir / "venv", [wheelhouse.log]
    if not _run_logged([sys.executable, "-m", "venv", str(venv)], log):
        return Build(None, script, "\n".join(log))
    offline = ["--no-index", "--find-links", str(wheelhouse.directory)] if wheelhouse.directory else []
    # --no-compile: bytecode changes no behaviour and costs CPU on a 2-core machine.
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-compile"]
    for path, options in checks.pip_install_targets(builder):
        relative = PurePosixPath(path).as_posix().removeprefix("/src/").lstrip("./")
        built = wheelhouse.wheels.get(relative)
        target = [*options, str(built or _local_path(context, path))]
        installed = _run_logged(install + offline + target, log, env=_pip_env(), cwd=context)
        if not installed and offline:  # something the wheelhouse lacks: from source and the index
            installed = _run_logged(install + [*options, str(_local_path(context, path))], log,
                                    env=_pip_env(), cwd=context)
        if not installed:
            return Build(None, script, "\n".join(log))
    return Build(venv, script, "\n".join(log))


def _pending_reason(service) -> str | None:
    if not service.pyproject.exists():
        return f"services/{service.folder}/pyproject.toml does not exist yet (service not integrated)"
    return None


def _selected_services(request) -> set[str]:
    """Services the collected tests of this module ask for (all of them unless -k narrows it)."""
    wanted = set()
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if getattr(item, "module", None) is request.module and "service" in params:
            wanted.add(params["service"].folder)
    return wanted


@pytest.fixture(scope="module")
def builds(request, tmp_path_factory) -> dict[str, Build]:
    wanted = _selected_services(request)
    ready = [service for service in checks.SERVICES
             if service.folder in wanted and _pending_reason(service) is None]
    root = tmp_path_factory.mktemp("images")
    if not ready:
        return {}
    rules = checks.ignore_rules((checks.DOCKER_DIR / "dockerignore.txt").read_text(encoding="utf-8"))
    contexts, targets = {}, {}
    for service in ready:
        builder = _stages(service)[0]
        contexts[service.folder] = root / service.folder / "src"
        targets[service.folder] = checks.pip_install_targets(builder)
        _replay_copies(builder, contexts[service.folder], rules)
    wheelhouse = fill_wheelhouse(contexts, targets, root / "wheelhouse")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {service.folder: pool.submit(build_service_venv, service, root / service.folder, wheelhouse)
                   for service in ready}
    return {folder: future.result() for folder, future in futures.items()}


def _build_for(service, builds) -> Build:
    reason = _pending_reason(service)
    if reason:
        pytest.skip(reason)
    build = builds[service.folder]
    assert build.venv is not None, f"the builder stage of {service.dockerfile.name} fails:\n{build.log}"
    return build


# ----------------------------------------------------------- running roles

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _runtime_env(service, build: Build, home: Path, port: int) -> dict[str, str]:
    """The image's ENV plus what compose adds, with the embedded defaults for servers."""
    data = home / "data"
    data.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{build.bin}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "SALESLOOP_ENV": "development",
        "SALESLOOP_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / (service.database + '.sqlite3')}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "COMPANY_CURRENCY": "CNY",
        "COMPANY_TIMEZONE": "Asia/Shanghai",
        "OTEL_SERVICE_NAME": service.folder,
        "OTEL_SDK_DISABLED": "true",
    }


def _run(build: Build, args: list[str], env: dict, cwd: Path, timeout: int = 120):
    return subprocess.run([str(build.bin / build.script), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("service", checks.SERVICES, ids=checks.SERVICE_IDS)
def test_entrypoint_exists_and_prints_help(service, builds, tmp_path):
    build = _build_for(service, builds)
    assert build.script == service.script
    assert (build.bin / build.script).exists(), f"{build.script} is not installed by the Dockerfile's pip steps"
    result = _run(build, ["--help"], _runtime_env(service, build, tmp_path, _free_port()), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    missing = [name for name in SUBCOMMANDS if name not in result.stdout]
    assert missing == [], f"--help does not mention {missing}:\n{result.stdout}"


@pytest.fixture(scope="module")
def migrated(builds, tmp_path_factory) -> dict:
    """Each ready service's `migrate` run once, on a fresh SQLite database outside the source tree."""
    results = {}
    for service in checks.SERVICES:
        build = builds.get(service.folder)
        if build is None or build.venv is None:
            continue
        home = tmp_path_factory.mktemp(f"run-{service.folder}")
        env = _runtime_env(service, build, home, _free_port())
        results[service.folder] = (home, env, _run(build, ["migrate"], env, home, timeout=300))
    return results


@pytest.mark.parametrize("service", checks.SERVICES, ids=checks.SERVICE_IDS)
def test_migrate_runs_from_the_installed_package(service, builds, migrated):
    _build_for(service, builds)
    home, env, result = migrated[service.folder]
    assert result.returncode == 0, result.stdout + result.stderr
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(database) as connection:
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert len(versions) == 1, f"alembic_version holds {versions}"


def _grace_periods(service) -> dict[str, int]:
    """terminationGracePeriodSeconds of each role's pods in deploy/k8s."""
    manifests = checks.load_manifests(checks.manifest_files(checks.K8S_DIR / "services" / service.folder))
    return {role: manifest.document["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
            for manifest in manifests if manifest.kind == "Deployment"
            for role in checks.LONG_RUNNING_ROLES if manifest.name == f"{service.folder}-{role}"}


def _healthcheck(service, build: Build) -> list[str]:
    instruction = checks.parse_dockerfile(service.dockerfile.read_text(encoding="utf-8"))[-1].last("HEALTHCHECK")
    command = checks.healthcheck_command(instruction)
    return [str(build.bin / command[0]), *command[1:]]


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _wait_healthy(process, healthcheck: list[str], env: dict, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"api exited with {process.returncode}:\n{_tail(log)}"
        if subprocess.run(healthcheck, env=env, capture_output=True, timeout=15).returncode == 0:
            return
        time.sleep(0.5)
    pytest.fail(f"api did not pass the image HEALTHCHECK within {START_TIMEOUT}s:\n{_tail(log)}")


def _get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("service", checks.SERVICES, ids=checks.SERVICE_IDS)
def test_api_worker_and_relay_run_side_by_side_and_stop_on_sigterm(service, builds, migrated):
    build = _build_for(service, builds)
    home, env, migration = migrated[service.folder]
    assert migration.returncode == 0, "migrate failed; see test_migrate_runs_from_the_installed_package"
    processes = {}
    try:
        for role in checks.LONG_RUNNING_ROLES:
            log = home / f"{role}.log"
            with log.open("w") as stream:
                processes[role] = (subprocess.Popen(
                    [str(build.bin / build.script), role], env=env, cwd=home, stdout=stream,
                    stderr=subprocess.STDOUT, start_new_session=True), log)
        api, api_log = processes["api"]
        _wait_healthy(api, _healthcheck(service, build), env, api_log)
        port = int(env["PORT"])
        assert _get(port, "/readyz") == 200, _tail(api_log)
        assert _get(port, "/metrics") == 200, _tail(api_log)
        _wait_until_sigterm_is_handled(processes)
        _stop_all(processes, _grace_periods(service))
    finally:
        for process, _ in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _catches_sigterm(pid: int) -> bool | None:
    """Whether the process has a SIGTERM handler installed (None: cannot tell here)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    caught = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), None)
    return None if caught is None else bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


def _wait_until_sigterm_is_handled(processes: dict) -> None:
    """Each role is up once it handles SIGTERM; stopping it before that would test the import time."""
    deadline = time.monotonic() + START_TIMEOUT
    for role, (process, log) in processes.items():
        while True:
            assert process.poll() is None, f"{role} exited with {process.returncode}:\n{_tail(log)}"
            caught = _catches_sigterm(process.pid)
            if caught is None:
                time.sleep(3)  # no /proc: give it a moment to start
                break
            if caught:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"{role} installed no SIGTERM handler within {START_TIMEOUT}s; as PID 1 in a "
                            f"container it would ignore `docker stop` and Kubernetes' SIGTERM:\n{_tail(log)}")
            time.sleep(0.2)


def _stop_all(processes: dict, grace: dict[str, int]) -> None:
    for process, _ in processes.values():
        process.send_signal(signal.SIGTERM)
    for role, (process, log) in processes.items():
        try:
            code = process.wait(timeout=grace[role])
        except subprocess.TimeoutExpired:
            pytest.fail(f"{role} ignored SIGTERM for {grace[role]}s (its Kubernetes grace period); "
                        f"as PID 1 in a container it would be SIGKILLed mid-message:\n{_tail(log)}")
        # Killed by the signal (-15) means no handler: in a container, PID 1 without
        # a handler ignores SIGTERM altogether.
        assert code == 0, f"{role} exited with {code} on SIGTERM; it must handle it and exit 0:\n{_tail(log)}"
